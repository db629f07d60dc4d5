import type { Conventions, Logger, OperationOptions } from '@roundhouse/core';
import type { Reader } from '@roundhouse/kube';
import type { GracefulCancel } from './cancellation.js';
import type { PipelineRunSettings } from './pipeline-run-spec.js';

export interface TektonExecutorOptions
  extends Partial<Omit<PipelineRunSettings, 'conventions' | 'serviceAccountName'>> {
  readonly conventions?: Conventions | undefined;
  /** Default service account for TaskRun pods; the conventions' default when unset. */
  readonly serviceAccountName?: string | undefined;
  /**
   * The API group serving Tekton's v1 PipelineRun and TaskRun; `tekton.dev` unless a
   * Tekton-compatible API lives elsewhere. Tests use it to remove and reinstall a stand-in
   * without touching the `tekton.dev` CRDs other tests share.
   */
  readonly apiGroup?: string | undefined;
  /** Where status reads go; pass a controller's informer cache. Default the client. */
  readonly reader?: Reader | undefined;
  /**
   * How long a PipelineRun may run before a status read fails it when none of its tasks can
   * start (every TaskRun's pod refused for a ResourceQuota), instead of at its timeout. Default
   * 15 s, as the job and pod engines wait for their pod.
   */
  readonly startupGraceMs?: number | undefined;
  /**
   * How long a PipelineRun may go without any status from a Tekton controller before a status
   * read fails it, saying Tekton Pipelines is not installed or its controller is not running,
   * instead of at its timeout. Default 2 minutes.
   */
  readonly controllerGraceMs?: number | undefined;
  readonly logger?: Logger | undefined;
}

/** The default `startupGraceMs`. */
export const defaultStartupGraceMs = 15_000;

export interface CancelOptions extends OperationOptions {
  /** Let `finally` tasks run (`cancel`), or also let running tasks finish (`stop`). */
  readonly graceful?: GracefulCancel | undefined;
}
