import type { TaskRun } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import { taskRunExecution } from './execution.js';

const run: TaskRun = {
  metadata: { name: 'build-1', namespace: 'ci', uid: 'uid-7' },
  spec: { taskRef: { name: 'build' }, timeout: '10m' },
};

describe('taskRunExecution', () => {
  it('is the run as the pod engine sees it: its identity, its own lock, its timeout', () => {
    const steps = {
      steps: [{ name: 'make', image: 'registry.example.com/make:4', script: 'make' }],
    };
    expect(taskRunExecution(run, steps)).toEqual({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'TaskRun',
      metadata: { name: 'build-1', namespace: 'ci', uid: 'uid-7' },
      spec: {
        workflowRef: {
          workflowId: 'build',
          version: '1',
          executionBundle: 'registry.example.com/make:4',
          engineConfig: steps,
        },
        targetResource: 'ci/taskrun/build-1',
        executionEngine: 'pod',
        executionConfig: { timeout: '10m' },
      },
    });
  });

  it('needs no steps to read or delete the Pod', () => {
    const identity = taskRunExecution({ ...run, spec: { taskRef: { name: 'build' } } });
    expect(identity.spec.workflowRef.engineConfig).toBeUndefined();
    expect(identity.spec.executionConfig).toBeUndefined();
    expect(identity.spec.targetResource).toBe('ci/taskrun/build-1');
  });
});
