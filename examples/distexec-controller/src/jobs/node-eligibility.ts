import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import type { KubeObject } from '@roundhouse/kube';
import { NodeSchedulingSchema } from '../nodes.js';
import { toleratesTaint } from './tolerations.js';

/**
 * The taints the node lifecycle controller puts on a cordoned node and on a NotReady or
 * unreachable one; the scheduler keeps pods off them unless they tolerate these. Read from the
 * Node's own fields too, since the taints follow them only after a moment.
 */
const cordoned = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };

/** The taints that keep a pod off `node`: its NoSchedule and NoExecute ones, and its state's. */
export function blockingTaints(node: KubeObject): V1Taint[] {
  const { spec, status } = NodeSchedulingSchema.parse(node);
  const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return [
    ...(spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
    ...(spec?.unschedulable ? [cordoned] : []),
    ...(ready === 'True' ? [] : [ready === 'False' ? notReady : unreachable]),
  ];
}

/**
 * Whether a node Job may start on `node`: it is Ready, not cordoned, and every taint that
 * would keep a pod off it is among `tolerations` (the operator's `--job-tolerations`), as
 * the scheduler, which places the Job's pod, will judge it. An author's nodeSelector alone
 * never reaches a control-plane, GPU or dedicated node, a cordoned one or one that is down.
 */
export function runsOn(node: KubeObject, tolerations: readonly V1Toleration[]): boolean {
  return blockingTaints(node).every((taint) => tolerations.some((t) => toleratesTaint(t, taint)));
}
