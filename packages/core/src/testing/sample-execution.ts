import type { WorkflowExecution, WorkflowExecutionSpec } from '../workflow-execution.js';

export interface SampleExecutionOptions {
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  /** Default: one derived from the namespace and name, as stable across calls as they are. */
  readonly uid?: string | undefined;
  /** Replaces fields of the sample spec; `workflowRef` is replaced whole. */
  readonly spec?: Partial<WorkflowExecutionSpec> | undefined;
}

/**
 * A valid WorkflowExecution for tests of builders and executors: `restart-api` in `team-a`,
 * targeting `default/deployment/my-app` (lock `wfe-c00449355dfb987a`) with two parameters. It
 * has a uid, as every stored one does: under the Roundhouse conventions an execution without
 * one owns no resource.
 */
export function sampleExecution(options: SampleExecutionOptions = {}): WorkflowExecution {
  const name = options.name ?? 'restart-api';
  const namespace = options.namespace ?? 'team-a';
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name, namespace, uid: options.uid ?? `uid-${namespace}-${name}` },
    spec: {
      workflowRef: {
        workflowId: 'restart-pod',
        version: '1',
        executionBundle: 'quay.io/acme/restart:1',
      },
      targetResource: 'default/deployment/my-app',
      executionEngine: 'job',
      parameters: { REPLICAS: '3', MODE: 'fast' },
      ...options.spec,
    },
  };
}
