import { conventionKeys, ResourceLockedError, roundhouseConventions } from '@roundhouse/core';
import { type KubeClient, type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { attemptExecution } from './attempt.js';
import type { TaskAction } from './spec.js';
import { taskAction } from './task-action.test-support.js';
import { taskCommand, taskJobExecutor } from './task-executor.js';

const action = (template: Partial<TaskAction['spec']['taskTemplate']>): TaskAction => ({
  ...taskAction({ metadata: { generation: 1 }, template }),
  status: {},
});

describe('taskCommand', () => {
  it("is the task template's command and args, as the attempt carries them", () => {
    const wfe = attemptExecution(action({ command: ['python'], args: ['-m', 'task'] }), 1, 'job');
    expect(taskCommand(wfe)).toEqual({ command: ['python'], args: ['-m', 'task'] });
  });

  it("is nothing for a template without one, so the image's entrypoint runs", () => {
    expect(taskCommand(attemptExecution(action({}), 1, 'job'))).toEqual({});
  });
});

describe('taskJobExecutor', () => {
  it("names the holder of an attempt's Job name as a TaskAction attempt, not a WorkflowExecution", async () => {
    const attempt = attemptExecution(action({}), 1, 'job');
    const keys = conventionKeys(roundhouseConventions);
    // A running Job under the attempt's lock whose labels name another attempt (an action's own
    // predecessor of the same name is "an unknown owner": its labels vouch for nobody).
    const holder: KubeObject = {
      metadata: {
        name: 'held',
        labels: {
          [keys.workflowExecutionLabel]: 'run2-a0-0',
          [keys.sourceNamespaceLabel]: 'flyte',
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
      /is held by TaskAction attempt flyte\/run2-a0-0, which is still running$/,
    );
  });

  it('gives a Job no TTL, whatever the options: it stays until its action ends', async () => {
    const create = vi.fn(async (_type: unknown, _ns: unknown, body: KubeObject) => ({
      object: body,
      warnings: [],
    }));
    const client = { create } as unknown as KubeClient;
    await taskJobExecutor(client).create(attemptExecution(action({}), 1, 'job'), 'exec');
    const [, , job] = create.mock.calls[0] ?? [];
    expect(job).toMatchObject({ kind: 'Job', spec: { backoffLimit: 0 } });
    expect((job as { spec?: object } | undefined)?.spec).not.toHaveProperty(
      'ttlSecondsAfterFinished',
    );
  });
});
