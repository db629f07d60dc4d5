import { ConfigurationError, executionImage, type WorkflowExecution } from '@roundhouse/core';

/**
 * The OCI reference Tekton's bundles resolver pulls the Pipeline from. The resolver parses it
 * with go-containerregistry, whose digests are `sha256:` and 64 hex digits only: a sha384 or
 * sha512 digest the kubelet would pull by fails the PipelineRun at resolution, after the lock
 * was taken, so it is refused here, naming the field that set it.
 */
export function bundleReference(wfe: WorkflowExecution): string {
  const reference = executionImage(wfe);
  const at = reference.lastIndexOf('@');
  if (at === -1 || reference.startsWith('sha256:', at + 1)) return reference;
  const algorithm = reference.slice(at + 1, reference.indexOf(':', at));
  throw new ConfigurationError({
    path: wfe.spec.workflowRef.executionBundleDigest
      ? 'spec.workflowRef.executionBundleDigest'
      : 'spec.workflowRef.executionBundle',
    message: `Tekton's bundles resolver pulls by sha256 digests only, not ${algorithm}; pin the bundle by its sha256 digest`,
  });
}
