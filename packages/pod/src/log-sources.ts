import { type Conventions, conventionKeys } from '@roundhouse/core';
import type { KubeObject, LogSources } from '@roundhouse/kube';
import { stepContainers } from './step-containers.js';
import { PodStateSchema } from './steps.js';

/**
 * Where an execution's output is: its Pod, selected by the owner labels that only it carries
 * (the execution, its namespace and its target: the Pod's name is the target's lock), and one
 * container per step, in step order (the init containers, then the main ones). The steps are the
 * containers that run their script as the engine built them to (see stepContainers).
 */
export function podLogSources(pod: KubeObject, conventions: Conventions): LogSources {
  const keys = conventionKeys(conventions);
  const labels = pod.metadata?.labels ?? {};
  const { init, main } = stepContainers(PodStateSchema.parse(pod));
  const selector = [
    keys.workflowExecutionLabel,
    keys.sourceNamespaceLabel,
    keys.targetResourceLabel,
  ]
    .map((key) => `${key}=${labels[key] ?? ''}`)
    .join(',');
  return {
    labelSelector: selector,
    containers: [...init, ...main].map((c) => c.name),
  };
}
