import type { V1Container, V1Pod } from '@kubernetes/client-node';

/**
 * The kubelet's cap on the termination messages of all a Pod's containers together
 * (`MaxPodTerminationMessageLogLength`, pkg/kubelet/container): its status manager gives each
 * container an equal share of it.
 */
const terminationMessagesBytes = 12 * 1024;

/**
 * Room for what the kubelet or its runtime says besides the termination message: a waiting
 * container's error (an image pull's, the runtime's), a lost container's note in its last state.
 */
const containerNoteBytes = 256;

/**
 * Room for the Pod's own message: an eviction's names the containers that used more than they
 * asked for, and a condition's names the containers not ready.
 */
const podNoteBytes = 2048;

const time = '2006-01-02T15:04:05Z';
const containerID = `containerd://${'0'.repeat(64)}`;
const ip = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
const user = { linux: { uid: 2_147_483_647, gid: 2_147_483_647, supplementalGroups: [0] } };

function containerStatus(container: V1Container, message: string) {
  const terminated = {
    exitCode: 137,
    reason: 'ContainerStatusUnknown',
    message,
    startedAt: time,
    finishedAt: time,
    containerID,
  };
  return {
    name: container.name,
    image: container.image,
    imageID: `${container.image}@sha256:${'0'.repeat(64)}`,
    containerID,
    ready: false,
    restartCount: 0,
    started: false,
    state: { terminated },
    lastState: { terminated: { ...terminated, message: 'x'.repeat(containerNoteBytes) } },
    ...(container.resources
      ? { resources: container.resources, allocatedResources: container.resources.requests }
      : {}),
    volumeMounts: (container.volumeMounts ?? []).map((m) => ({
      name: m.name,
      mountPath: m.mountPath,
      readOnly: true,
      recursiveReadOnly: 'Disabled',
    })),
    user,
  };
}

/**
 * The largest status the kubelet writes for `pod`, every field it may fill at its longest: a
 * status per step container (the image twice, the container's id, its resources and mounts, its
 * share of the termination messages), the conditions and the addresses. A Pod is stored as the
 * API server accepted it and grows by this as its steps run: one that has no room for it is
 * created, and then the kubelet's status writes are refused ("etcdserver: request is too
 * large"), so its steps would never be seen to start or end.
 */
export function kubeletStatus(pod: V1Pod): object {
  const init = pod.spec?.initContainers ?? [];
  const main = pod.spec?.containers ?? [];
  const share = Math.floor(terminationMessagesBytes / Math.max(1, init.length + main.length));
  const message = 'x'.repeat(share);
  const condition = (type: string) => ({
    type,
    status: 'False',
    reason: 'PodCompleted',
    message: 'x'.repeat(containerNoteBytes),
    lastProbeTime: null,
    lastTransitionTime: time,
  });
  return {
    phase: 'Failed',
    reason: 'Evicted',
    message: 'x'.repeat(podNoteBytes),
    conditions: [
      'PodReadyToStartContainers',
      'Initialized',
      'Ready',
      'ContainersReady',
      'PodScheduled',
      'DisruptionTarget',
    ].map(condition),
    hostIP: ip,
    hostIPs: [{ ip }, { ip }],
    podIP: ip,
    podIPs: [{ ip }, { ip }],
    startTime: time,
    qosClass: 'BestEffort',
    initContainerStatuses: init.map((c) => containerStatus(c, message)),
    containerStatuses: main.map((c) => containerStatus(c, message)),
  };
}
