import { formatGoDuration } from '@roundhouse/core';
import { type PipelineRunState, succeededCondition } from './status.js';
import type { StartFailure } from './stuck-start.js';

/**
 * The default `controllerGraceMs`: Tekton's controller writes a new run's first status within
 * seconds, and when its leader is lost another replica takes over within the lease
 * (config-leader-election-controller's `lease-duration`, 60 s by default), so two minutes
 * without one is no slow start.
 */
export const defaultControllerGraceMs = 120_000;

/**
 * Whether no Tekton controller has ever written the PipelineRun's status. Its first reconcile
 * (pipelinerun.go `ReconcileKind`, v1.15) gives every run it sees, a pending one included, an
 * Unknown `Succeeded` condition (`Started`, then `Pending`, `ResolvingPipelineRef`, `Running`)
 * and writes it whatever else happens: a run without one has never been reconciled.
 */
export function statusNeverWritten(pipelineRun: PipelineRunState): boolean {
  return succeededCondition(pipelineRun) === undefined;
}

/**
 * Why a run in `namespace` whose status no controller wrote in `graceMs` since its creation
 * cannot start: Tekton Pipelines is not installed (its CRDs without its controller), its
 * controller is not running, or it watches other namespaces only (its `-namespace` flag). A
 * problem of the cluster's configuration, not of the workflow, and nothing ran.
 */
export function unwrittenStatusFailure(graceMs: number, namespace: string): StartFailure {
  return {
    reason: 'ConfigurationError',
    description: `no Tekton controller has written this PipelineRun's status in the ${formatGoDuration(graceMs)} since it was created: is Tekton Pipelines installed, and its controller (tekton-pipelines-controller) running and watching namespace ${namespace}?`,
  };
}
