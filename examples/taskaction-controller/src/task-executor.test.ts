import { conventionKeys, ResourceLockedError, roundhouseConventions } from '@roundhouse/core';
import { type KubeClient, type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { attemptExecution } from './attempt.js';
import type { TaskAction } from './spec.js';
import { taskJobExecutor } from './task-executor.js';

describe('taskJobExecutor', () => {
  const action: TaskAction = {
    metadata: { name: 'run1-a0', namespace: 'team-a', uid: 'uid-new', generation: 1 },
    spec: {
      runName: 'run1',
      project: 'p',
      domain: 'd',
      actionName: 'a0',
      taskType: 'container',
      taskTemplate: { image: 'registry.invalid/task:1' },
      inputUri: 's3://bucket/run1/inputs.pb',
      runOutputBase: 's3://bucket/run1/',
    },
  };

  it("names the holder of an attempt's Job name as a TaskAction attempt, not a WorkflowExecution", async () => {
    const attempt = attemptExecution(action, 1, 'job');
    const keys = conventionKeys(roundhouseConventions);
    // A running Job under the attempt's lock whose labels name another attempt (an action's own
    // predecessor of the same name is "an unknown owner": its labels vouch for nobody).
    const holder: KubeObject = {
      metadata: {
        name: 'held',
        labels: {
          [keys.workflowExecutionLabel]: 'run2-a0-0',
          [keys.sourceNamespaceLabel]: 'team-a',
        },
        annotations: { [keys.workflowExecutionUidAnnotation]: 'uid-old' },
      },
      status: { active: 1 },
    };
    const client = {
      create: vi.fn(async () => {
        throw new KubernetesApiError('AlreadyExists', 'jobs "held" already exists', 409);
      }),
      get: vi.fn(async () => holder),
    } as unknown as KubeClient;
    const refused = taskJobExecutor(client).create(attempt, 'exec');
    await expect(refused).rejects.toBeInstanceOf(ResourceLockedError);
    await expect(refused).rejects.toThrow(
      /is held by TaskAction attempt team-a\/run2-a0-0, which is still running$/,
    );
  });
});
