import { ConfigurationError } from './errors.js';
import { isOciReference } from './grammar.js';
import { pinnedReference } from './image-reference.js';
import type { WorkflowExecution } from './workflow-execution.js';

/**
 * The ServiceAccount an execution asks to run as, or undefined for the controller's default
 * runner: an absent or empty `executionConfig.serviceAccountName` means the default, as in
 * kubernaut. Engines and policy checks read the request through this one function.
 */
export function requestedServiceAccount(wfe: WorkflowExecution): string | undefined {
  return wfe.spec.executionConfig?.serviceAccountName || undefined;
}

/**
 * The OCI reference an engine that runs images pulls for `wfe`: the execution bundle, pinned
 * to `executionBundleDigest` when one is given. A bundle that is not an OCI reference (a
 * repository URL, which the spec admits for engines that take one) is a ConfigurationError.
 */
export function executionImage(wfe: WorkflowExecution): string {
  const { executionBundle, executionBundleDigest } = wfe.spec.workflowRef;
  const image = pinnedReference(executionBundle, executionBundleDigest);
  if (!isOciReference(image)) {
    throw new ConfigurationError({
      path: 'spec.workflowRef.executionBundle',
      message: `"${executionBundle}" is not an OCI reference; this engine runs images, e.g. "registry.example.com/team/workflow:1.2"`,
    });
  }
  return image;
}
