/**
 * The terminated reason the kubelet writes for a container it can no longer find when it ends
 * the pod (the node restarted, the runtime lost it). Its exit code, 137, is a placeholder written
 * "because we do not know whether the container was successful" (kubelet status_manager.go,
 * TerminatePod): it is not the workload's, and the failure is not the workflow's.
 */
export const containerLostReason = 'ContainerStatusUnknown';

export function isContainerLost(terminated: { readonly reason?: string | undefined } | undefined) {
  return terminated?.reason === containerLostReason;
}
