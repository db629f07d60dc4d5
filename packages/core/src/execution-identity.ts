import { ConfigurationError } from './errors.js';
import { isBundleImageReference } from './grammar.js';
import { pinnedReference } from './image-reference.js';
import type { Dependencies, WorkflowExecution } from './workflow-execution.js';

/** The fields that name an engine, in either of kubernaut's shapes; unvalidated objects fit. */
export interface EngineFields {
  readonly executionEngine?: string | undefined;
  readonly workflowRef?: { readonly executionEngine?: string | undefined } | undefined;
}

/**
 * The engine an execution asks for: `workflowRef.executionEngine` (kubernaut's catalog
 * snapshot) or `spec.executionEngine`, and `tekton`, kubernaut's default, when neither names
 * one. The schema's parse and every reader of an unvalidated object (a CLI listing) use it.
 */
export function requestedEngine(spec: EngineFields | undefined): string {
  return spec?.workflowRef?.executionEngine || spec?.executionEngine || 'tekton';
}

/**
 * The ServiceAccount an execution asks to run as, or undefined for the controller's default
 * runner: an absent or empty name means the default, as in kubernaut. kubernaut's two shapes
 * put it in `workflowRef.serviceAccountName` or `executionConfig.serviceAccountName` (the
 * schema refuses two different ones). Engines and policy checks read the request through this
 * one function, and name the field with `serviceAccountField`.
 */
export function requestedServiceAccount(wfe: WorkflowExecution): string | undefined {
  return (
    wfe.spec.workflowRef.serviceAccountName ||
    wfe.spec.executionConfig?.serviceAccountName ||
    undefined
  );
}

/** The field `requestedServiceAccount` read, for errors that name it. */
export function serviceAccountField(wfe: WorkflowExecution): string {
  return wfe.spec.workflowRef.serviceAccountName
    ? 'spec.workflowRef.serviceAccountName'
    : 'spec.executionConfig.serviceAccountName';
}

/**
 * Whether a dependencies field names any Secret or ConfigMap. An empty one (`{}`, or empty
 * lists) is no source: it neither conflicts with the other field nor hides what that lists,
 * which the admission policy checks and the execution must then mount.
 */
export function listsDependencies(dependencies: Dependencies | undefined): boolean {
  return Boolean(dependencies?.secrets?.length || dependencies?.configMaps?.length);
}

/**
 * The Secrets and ConfigMaps an execution lists, from `workflowRef.dependencies` (kubernaut's
 * catalog snapshot) or `spec.dependencies` (the schema refuses both listing any), with the
 * field's path.
 */
export function requestedDependencies(wfe: WorkflowExecution): {
  readonly dependencies: Dependencies | undefined;
  readonly path: string;
} {
  const fromRef = wfe.spec.workflowRef.dependencies;
  return listsDependencies(fromRef)
    ? { dependencies: fromRef, path: 'spec.workflowRef.dependencies' }
    : { dependencies: wfe.spec.dependencies, path: 'spec.dependencies' };
}

/**
 * The OCI reference an engine that runs images pulls for `wfe`: the execution bundle, pinned
 * to `executionBundleDigest` when one is given. A bundle that is not an OCI reference (a
 * repository URL, which the spec admits for engines that take one) is a ConfigurationError
 * naming the field to fix. A digest is any OCI digest, as the spec takes it (see
 * `executionBundlePattern`): one the kubelet will not pull by fails the pod, as in kubernaut.
 */
export function executionImage(wfe: WorkflowExecution): string {
  const { executionBundle, executionBundleDigest } = wfe.spec.workflowRef;
  const image = pinnedReference(executionBundle, executionBundleDigest);
  if (!isBundleImageReference(image)) {
    throw new ConfigurationError({
      path: 'spec.workflowRef.executionBundle',
      message: `"${executionBundle}" is not an OCI reference; this engine runs images, e.g. "registry.example.com/team/workflow:1.2"`,
    });
  }
  return image;
}
