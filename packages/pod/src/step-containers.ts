import type { PodState } from './steps.js';

type Container = NonNullable<NonNullable<PodState['spec']>['containers']>[number];

/**
 * A native sidecar: an init container that restarts (`restartPolicy: Always`), which the kubelet
 * keeps running for the Pod's life. Only a webhook adds one (a mesh's proxy): the engine sets no
 * container's restartPolicy, so it is never a step, and read as one it would run for ever.
 */
function isSidecar(container: Container): boolean {
  return container.restartPolicy === 'Always';
}

/**
 * The Pod's step containers in step order: its init containers (the sequential steps) then its
 * main ones, without the native sidecars a webhook may have added.
 */
export function stepContainers(pod: PodState): {
  readonly init: readonly Container[];
  readonly main: readonly Container[];
} {
  return {
    init: (pod.spec?.initContainers ?? []).filter((c) => !isSidecar(c)),
    main: pod.spec?.containers ?? [],
  };
}

/** How the engine runs every step: its script through the image's shell, `set -e`. */
export const stepShell: readonly string[] = ['/bin/sh', '-e', '-c'];

/** Whether `container` runs a script as the engine runs a step's, `/bin/sh -e -c <script>`. */
export function runsStepScript(container: Container): boolean {
  const command = container.command ?? [];
  return (
    command.length === stepShell.length + 1 &&
    stepShell.every((word, i) => command[i] === word) &&
    !container.args?.length
  );
}
