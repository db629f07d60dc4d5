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

/** How the engine runs every step: its script through the image's shell, `set -e`. */
export const stepShell: readonly string[] = ['/bin/sh', '-e', '-c'];

/** Whether `container` runs a script as the engine runs a step's, `/bin/sh -e -c <script>`. */
function runsStepScript(container: Container): boolean {
  const command = container.command ?? [];
  return (
    command.length === stepShell.length + 1 &&
    stepShell.every((word, i) => command[i] === word) &&
    !container.args?.length
  );
}

/**
 * The Pod's step containers in step order: its init containers (the sequential steps) then its
 * main ones. The steps are the containers that run their script as the engine built them to; a
 * container a webhook added (a mesh's `istio-init`, its proxy) is none, and read as one it would
 * count as a step that ran, or keep the run going while it serves. A webhook that rewrote the
 * steps' commands leaves no container to know them by: then every container but the native
 * sidecars counts.
 */
export function stepContainers(pod: PodState): {
  readonly init: readonly Container[];
  readonly main: readonly Container[];
} {
  const init = (pod.spec?.initContainers ?? []).filter((c) => !isSidecar(c));
  const main = pod.spec?.containers ?? [];
  const steps = { init: init.filter(runsStepScript), main: main.filter(runsStepScript) };
  return steps.init.length + steps.main.length > 0 ? steps : { init, main };
}
