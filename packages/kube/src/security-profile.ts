import type { V1PodSecurityContext, V1PodSpec, V1SecurityContext } from '@kubernetes/client-node';

/** What an engine sets on the pods it creates under a security profile. */
export interface SecurityProfile {
  readonly pod: V1PodSecurityContext;
  readonly container: V1SecurityContext;
  /** What the profile sets on the pod beside its security context. */
  readonly podSpec: Pick<V1PodSpec, 'enableServiceLinks'>;
}

/**
 * The `restricted` profile of the engines that run containers (job, pod; tekton takes its pod
 * part, since a PipelineRun cannot set its steps' containers): the Pod Security Standard's
 * restricted level, as kubernaut's executor/security.go writes it, with a read-only root and
 * service links off. A fresh copy on every call, since the objects built from it are the
 * caller's to change.
 */
export function restrictedSecurityProfile(): SecurityProfile {
  return {
    pod: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    container: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // Without it the kubelet gives every container `<SERVICE>_SERVICE_HOST` and `_PORT`
    // variables for each Service in the namespace: the workflow's author learns the names,
    // addresses and ports of Services in a namespace they may have no right to list, and with a
    // few thousand Services the environment outgrows what exec accepts ("argument list too
    // long") and no pod starts.
    podSpec: { enableServiceLinks: false },
  };
}
