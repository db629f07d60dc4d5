import { type Conventions, conventionKeys } from '@roundhouse/core';
import type { KubeObject, LogSources } from '@roundhouse/kube';
import { runsStepScript, stepContainers } from './step-containers.js';
import { PodStateSchema } from './steps.js';

/**
 * Where an execution's output is: its Pod, selected by the owner labels that only it carries
 * (the execution, its namespace and its target: the Pod's name is the target's lock), and one
 * container per step, in step order (the init containers, then the main ones). The steps are the
 * containers that run their script as the engine built them to; a container a webhook added (a
 * mesh's `istio-init`, its proxy) is none. A webhook that rewrote the steps' commands leaves no
 * container to know them by, and then every container but the native sidecars is read.
 */
export function podLogSources(pod: KubeObject, conventions: Conventions): LogSources {
  const keys = conventionKeys(conventions);
  const labels = pod.metadata?.labels ?? {};
  const { init, main } = stepContainers(PodStateSchema.parse(pod));
  const containers = [...init, ...main];
  const steps = containers.filter(runsStepScript);
  const selector = [
    keys.workflowExecutionLabel,
    keys.sourceNamespaceLabel,
    keys.targetResourceLabel,
  ]
    .map((key) => `${key}=${labels[key] ?? ''}`)
    .join(',');
  return {
    labelSelector: selector,
    containers: (steps.length ? steps : containers).map((c) => c.name),
  };
}
