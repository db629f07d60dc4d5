import { ResourceLockedError, roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import type { TaskRequest } from './process-spec.js';
import { TaskBackedExecutor } from './task-backed-executor.js';
import type { TaskSnapshot } from './task-snapshot.js';

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

  it('names a running holder whose name is over 63 characters in full, not by its shortened label', async () => {
    const tasks = new Map<string, TaskSnapshot>();
    const backend = {
      create: async (task: TaskRequest) => {
        if (tasks.has(task.name)) return 'conflict' as const;
        tasks.set(task.name, {
          name: task.name,
          uid: 'task-uid',
          labels: task.labels ?? {},
          annotations: task.annotations ?? {},
          deleting: false,
          phase: 'Running',
          reason: 'Running',
        });
        return 'created' as const;
      },
      get: async (name: string) => tasks.get(name),
      delete: async () => {},
      readLog: async () => undefined,
    };
    const executor = new TaskBackedExecutor(backend, {
      engine: 'process',
      conventions: roundhouseConventions,
      defaultTimeout: '1h',
    });
    const on = (name: string, uid: string) =>
      sampleExecution({
        name,
        uid,
        spec: {
          executionEngine: 'process',
          targetResource: 'team-a/deployment/web',
          workflowRef: { workflowId: 'w', version: '1', executionBundle: 'restart' },
        },
      });
    const holder = `victim-${'x'.repeat(70)}`;
    await executor.create(on(holder, 'uid-1'), 'workflows');
    const refused = await executor.create(on('other', 'uid-2'), 'workflows').catch((e) => e);
    expect(refused).toBeInstanceOf(ResourceLockedError);
    expect(refused.owner).toMatchObject({ name: holder, namespace: 'team-a' });
  });

  it('says its own task a create met was adopted, and when it was created, reading nothing more', async () => {
    const tasks = new Map<string, TaskSnapshot>();
    const backend = {
      create: async (task: TaskRequest) => {
        const existing = tasks.get(task.name);
        if (existing) return { exists: existing };
        tasks.set(task.name, {
          name: task.name,
          uid: 'task-uid',
          labels: task.labels ?? {},
          annotations: task.annotations ?? {},
          createdAt: '2026-01-01T10:00:01Z',
          deleting: false,
          phase: 'Running',
          reason: 'Running',
        });
        return 'created' as const;
      },
      // A read that fails (the agent unreachable a moment): the create succeeded all the same.
      get: async (): Promise<TaskSnapshot | undefined> => {
        throw new Error('connect ECONNREFUSED');
      },
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
      },
    });

    const first = await executor.create(wfe, 'workflows');
    const again = await executor.create(wfe, 'workflows');

    expect(first).not.toHaveProperty('adoptedKind');
    expect(again).toMatchObject({
      resourceName: first.resourceName,
      adoptedKind: 'Task',
      createdAt: '2026-01-01T10:00:01Z',
    });
  });
});
