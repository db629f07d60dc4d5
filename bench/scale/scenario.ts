import type { KubeClient } from '@roundhouse/kube';
import type { ControlPlane } from '@roundhouse/testenv';
import type { CompiledController } from './compile.js';
import type { Timeline } from './workload.js';

/** What every scenario shares: the control plane, the bench's admin client and the sizes. */
export interface ScaleContext {
  readonly plane: ControlPlane;
  readonly admin: KubeClient;
  /** WorkflowExecutions per scenario, created at once. */
  readonly executions: number;
  /** Concurrent reconciles, the same for Roundhouse and the Go reference. */
  readonly workers: number;
  /** Roundhouse's cooldown (a Go duration), long enough that no lock is released before all are Completed. */
  readonly cooldown: string;
  /** Bound of every wait for the workload. */
  readonly timeoutMs: number;
  /** Kubeconfigs and controller logs. */
  readonly workDir: string;
  /** The Roundhouse controller application, compiled. */
  readonly controller: CompiledController;
}

/** A request's method, path, and ms from its headers sent to the response's headers received. */
export type RoundTrip = readonly [method: string, path: string, ms: number];

/** CPU time, memory and (for Roundhouse) connections opened so far, of a controller process. */
export interface Sample {
  readonly cpuMs: number;
  readonly rssBytes: number;
  /** The JavaScript heap's live objects (Node only): what of RSS the controller's data holds. */
  readonly heapUsedBytes?: number;
  /** Event loop delay since the previous sample, in ms (Node only). */
  readonly loopDelayMs?: { readonly p50: number; readonly p99: number; readonly max: number };
  /** The share of the time since the previous sample the event loop was busy (Node only). */
  readonly loopUtilization?: number;
  readonly connections?: number;
  /** HTTP versions of those connections (`h1`, `h2`). */
  readonly protocols?: readonly string[];
  /** Each request answered since the previous sample (watches included; see RoundTrip). */
  readonly roundTrips?: readonly RoundTrip[];
}

export interface ScenarioResult {
  readonly name: string;
  /** The identity its requests carry in the audit log. */
  readonly user: string;
  readonly executions: number;
  readonly timeline: Timeline;
  /** Execution 0's Job, masked by `jobShape`: every scenario must create the same Jobs. */
  readonly jobShape: string;
  /** Controller processes only: samples at idle (after a GC), at the start, at all Completed. */
  readonly idle?: Sample;
  readonly atStart?: Sample;
  readonly atCompleted?: Sample;
  /** Roundhouse only: after the cooldown, when every lock was released (and a second more). */
  readonly lifecycle?: {
    readonly endAt: number;
    readonly atEnd: Sample;
    readonly releasedEarly: number;
  };
}
