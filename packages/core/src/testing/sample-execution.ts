import type { WorkflowExecution, WorkflowExecutionSpec } from '../workflow-execution.js';

export interface SampleExecutionOptions {
  readonly name?: string;
  readonly namespace?: string;
  /** Replaces fields of the sample spec; `workflowRef` is replaced whole. */
  readonly spec?: Partial<WorkflowExecutionSpec>;
}

/**
 * A valid WorkflowExecution for tests of builders and executors: `restart-api` in `team-a`,
 * targeting `default/deployment/my-app` (lock `wfe-c00449355dfb987a`) with two parameters.
 */
export function sampleExecution(options: SampleExecutionOptions = {}): WorkflowExecution {
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name: options.name ?? 'restart-api', namespace: options.namespace ?? 'team-a' },
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
