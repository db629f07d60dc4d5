import { roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import type { TaskRequest } from './process-spec.js';
import { TaskBackedExecutor } from './task-backed-executor.js';

describe('TaskBackedExecutor', () => {
  it('gives a task the default timeout when spec.timesOutAt is further away', async () => {
    const created: TaskRequest[] = [];
    const backend = {
      create: async (task: TaskRequest) => {
        created.push(task);
        return 'created' as const;
      },
      get: async () => undefined,
      delete: async () => {},
      readLog: async () => undefined,
    };
    const executor = new TaskBackedExecutor(backend, {
      engine: 'process',
      conventions: roundhouseConventions,
      defaultTimeout: '1h',
    });
    const wfe = sampleExecution({
      spec: {
        executionEngine: 'process',
        workflowRef: { workflowId: 'w', version: '1', executionBundle: 'restart' },
        timesOutAt: new Date(Date.now() + 20 * 3_600_000).toISOString(),
      },
    });
    await executor.create(wfe, 'workflows');
    expect(created.map((task) => task.process.timeoutSeconds)).toEqual([3600]);
  });
});
