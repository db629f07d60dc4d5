import { type KubeObject, resources, type StatusContext } from '@roundhouse/kube';
import { workflowContainerName } from './job-spec.js';
import { type MountEvent, MountEventSchema } from './mount-failures.js';

/**
 * The kubelet's record that it started a container (`Started`, type Normal, from
 * pkg/kubelet/kuberuntime/kuberuntime_container.go), about the container by its field path. An
 * operator's init container starting says nothing of the workflow's, whose pull may fail after.
 */
const startReason = 'Started';
const workflowFieldPath = `spec.containers{${workflowContainerName}}`;

/** The events of `events` that record the workflow container starting. */
export function workflowStarts(events: readonly MountEvent[]): MountEvent[] {
  return events.filter(
    (event) =>
      event.reason === startReason &&
      event.type !== 'Warning' &&
      event.involvedObject?.fieldPath === workflowFieldPath,
  );
}

/**
 * When the workflow container of the gone pod `pod` started, from the kubelet's events (read
 * live, one request): what says that its warnings from before did not keep it from running.
 * Read only for a failed Job's pod that has a warning to give as the cause.
 */
export async function readWorkflowStarts(
  context: StatusContext,
  pod: string,
): Promise<MountEvent[]> {
  const { items } = await context.reader.list<KubeObject>(resources.events, context.namespace, {
    fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod},reason=${startReason}`,
    signal: context.signal,
  });
  return workflowStarts(items.map((event) => MountEventSchema.parse(event)));
}
