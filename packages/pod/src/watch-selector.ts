import { type Conventions, conventionKeys, toLabelValue } from '@roundhouse/core';
import { podEngine } from './pod-spec.js';

/**
 * What selects the pod engine's own Pods among those carrying the owner labels in the execution
 * namespace (`ExecutionWatch.labelSelector`): its engine label, which `executionMetadata` puts
 * on them under every convention. Tekton copies a PipelineRun's labels, owner labels included,
 * onto its task Pods, with the `tekton` engine label or, under kubernaut's conventions, none.
 */
export function podWatchSelector(conventions: Conventions): string {
  return `${conventionKeys(conventions).executionEngineLabel}=${toLabelValue(podEngine)}`;
}
