import { describe, expect, it } from 'vitest';
import { attemptExecution } from './attempt.js';
import type { TaskAction } from './spec.js';
import { taskCommand } from './task-executor.js';

const action = (template: Partial<TaskAction['spec']['taskTemplate']>): TaskAction =>
  ({
    metadata: { name: 'run1-a0', namespace: 'flyte', uid: 'u1', generation: 1 },
    spec: {
      runName: 'run1',
      project: 'proj',
      domain: 'dev',
      actionName: 'a0',
      taskType: 'container',
      taskTemplate: { image: 'registry.invalid/task:1', ...template },
      inputUri: 's3://bucket/run1/inputs.pb',
      runOutputBase: 's3://bucket/run1',
    },
    status: {},
  }) as TaskAction;

describe('taskCommand', () => {
  it("is the task template's command and args, as the attempt carries them", () => {
    const wfe = attemptExecution(action({ command: ['python'], args: ['-m', 'task'] }), 1, 'job');
    expect(taskCommand(wfe)).toEqual({ command: ['python'], args: ['-m', 'task'] });
  });

  it("is nothing for a template without one, so the image's entrypoint runs", () => {
    expect(taskCommand(attemptExecution(action({}), 1, 'job'))).toEqual({});
  });
});
