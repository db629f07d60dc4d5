import {
  type CreateResult,
  type ExecutionResult,
  type Executor,
  Registry,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { following } from './executions-by-target.test-support.js';
import {
  reconcileContext as ctx,
  engineRunning,
  reconcilerOver,
} from './reconciler.test-support.js';

/*
 * A start a killed controller made on an engine nothing watches (a process task, an AWX job):
 * its resource exists, its status records none, and the next process learns it only by asking
 * the engine.
 */

const spelled = (name: string, target: string, engine = 'task') => ({
  ...storedExecution(name, { targetResource: target, executionEngine: engine }),
  status: { phase: 'Pending', conditions: [] },
});

/**
 * An engine without watches whose tasks are kept by the uid of the execution that made them, as
 * a task carries its owner: `create` adopts its own (idempotent, as every engine's is), and
 * `getStatus` finds only the asking execution's.
 */
function taskEngine(existing: readonly string[], extra: Partial<Executor> = {}) {
  const tasks = new Set(existing);
  const uidOf = (wfe: WorkflowExecution) => wfe.metadata.uid ?? '';
  const create = vi.fn(async (wfe: WorkflowExecution): Promise<CreateResult> => {
    const name = `task-${wfe.metadata.name}`;
    if (tasks.has(uidOf(wfe))) return { resourceName: name, warnings: [], adoptedKind: 'Task' };
    tasks.add(uidOf(wfe));
    return { resourceName: name, warnings: [] };
  });
  const getStatus = vi.fn(
    async (wfe: WorkflowExecution): Promise<ExecutionResult | null> =>
      tasks.has(uidOf(wfe)) ? engineRunning : null,
  );
  const registry = new Registry().register({
    engine: 'task',
    create,
    getStatus,
    cleanup: async () => {},
    ...extra,
  });
  return { tasks, create, getStatus, registry };
}

function over(stored: KubeObject, others: readonly KubeObject[], registry: Registry) {
  const api = executionServer(stored);
  const byName = new Map(others.map((o) => [o.metadata?.name, o]));
  const reconciler = reconcilerOver(api, {
    registry,
    targets: following([stored, ...others]),
    executions: { observe: () => {}, get: (_namespace, name) => byName.get(name) },
  });
  return { api, reconciler };
}

const asked = (getStatus: ReturnType<typeof taskEngine>['getStatus']) =>
  getStatus.mock.calls.map(([wfe]) => wfe.metadata.name);

describe('WorkflowExecutionReconciler and a start made before a restart on an unwatched engine', () => {
  it('refuses another spelling of the target while the earlier start’s task runs, naming it', async () => {
    const first = spelled('first', 'team-a/deployment/app');
    const second = spelled('second', 'team-a/deployments/app');
    const engine = taskEngine(['u-first']);
    const { api, reconciler } = over(second, [first], engine.registry);
    await reconciler.reconcile('team-a/second', ctx());
    expect(engine.create).not.toHaveBeenCalled();
    expect(asked(engine.getStatus)).toContain('first');
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      deduplicatedBy: 'first',
      failureDetails: { reason: 'Deduplicated', wasExecutionFailure: false },
    });
    // The engine names no resource (no adopt): nothing in the message stands as its name.
    expect(api.state.stored.status).toMatchObject({
      failureDetails: {
        message:
          'Execution resource of the task engine (unnamed) already exists (target resource locked): it belongs to WorkflowExecution team-a/first, which is still running',
      },
    });
  });

  it('refuses it under another engine too', async () => {
    const first = spelled('first', 'team-a/deployment/app');
    const second = spelled('second', 'team-a/deployment/app', 'other');
    const engine = taskEngine(['u-first']);
    const otherCreate = vi.fn(async () => ({ resourceName: 'other-second', warnings: [] }));
    engine.registry.register({
      engine: 'other',
      create: otherCreate,
      getStatus: async () => null,
      cleanup: async () => {},
    });
    const { api, reconciler } = over(second, [first], engine.registry);
    await reconciler.reconcile('team-a/second', ctx());
    expect(otherCreate).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({ phase: 'Failed', deduplicatedBy: 'first' });
  });

  it('asks an engine that declares watches on a kind not served at start, which no cache shows', async () => {
    const first = spelled('first', 'team-a/deployment/app');
    const second = spelled('second', 'team-a/deployments/app');
    const engine = taskEngine(['u-first'], {
      watches: [
        {
          resource: {
            group: 'tasks.example',
            version: 'v1',
            kind: 'Task',
            plural: 'tasks',
            namespaced: true,
          },
          conventions: roundhouseConventions,
        },
      ],
    });
    // watchedEngines leaves it out, as the controller does when the cluster serves no Task.
    const { api, reconciler } = over(second, [first], engine.registry);
    await reconciler.reconcile('team-a/second', ctx());
    expect(engine.create).not.toHaveBeenCalled();
    expect(asked(engine.getStatus)).toContain('first');
    expect(api.state.stored.status).toMatchObject({ phase: 'Failed', deduplicatedBy: 'first' });
  });

  it('starts once the other spelling’s execution has no task, and asks no engine where no other spelling or engine waits', async () => {
    const first = spelled('first', 'team-a/deployment/app');
    const second = spelled('second', 'team-a/deployments/app');
    const engine = taskEngine([]);
    const { api, reconciler } = over(second, [first], engine.registry);
    await reconciler.reconcile('team-a/second', ctx());
    expect(asked(engine.getStatus)).toEqual(['first']);
    expect(engine.create).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });

    // Alone, or beside one of its own spelling and engine (whose lock the engine checks
    // itself): no read before the create.
    const alone = taskEngine([]);
    const same = spelled('same', 'team-a/deployments/app');
    const lone = over(spelled('second', 'team-a/deployments/app'), [same], alone.registry);
    await lone.reconciler.reconcile('team-a/second', ctx());
    expect(alone.getStatus).not.toHaveBeenCalled();
    expect(lone.api.state.stored.status).toMatchObject({ phase: 'Running' });
  });

  it('adopts its own task rather than failing Deduplicated on another that holds the target', async () => {
    // Two runs already (the second spelling started while the first's was unrecorded): each
    // adopts its own, and neither is failed while its run is live.
    const first = spelled('first', 'team-a/deployment/app');
    const second = {
      ...spelled('second', 'team-a/deployments/app'),
      status: { phase: 'Running', executionRef: { name: 'task-second' }, conditions: [] },
    };
    const engine = taskEngine(['u-first', 'u-second']);
    const { api, reconciler } = over(first, [second], engine.registry);
    await reconciler.reconcile('team-a/first', ctx());
    expect(engine.create).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: 'task-first' },
    });
    expect(engine.tasks.size).toBe(2);
  });

  it('adopts through the engine’s adopt, creating nothing, where it has one', async () => {
    const first = spelled('first', 'team-a/deployment/app');
    const second = {
      ...spelled('second', 'team-a/deployments/app'),
      status: { phase: 'Running', executionRef: { name: 'task-second' }, conditions: [] },
    };
    const adopt = vi.fn(async (wfe: WorkflowExecution) => ({
      resourceName: `task-${wfe.metadata.name}`,
      warnings: [],
      adoptedKind: 'Task',
    }));
    const engine = taskEngine(['u-first', 'u-second'], { adopt });
    const { api, reconciler } = over(first, [second], engine.registry);
    await reconciler.reconcile('team-a/first', ctx());
    expect(engine.create).not.toHaveBeenCalled();
    expect(adopt).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: 'task-first' },
    });
  });

  it('is still refused on another’s run when it has no task of its own', async () => {
    const first = spelled('first', 'team-a/deployment/app');
    const second = {
      ...spelled('second', 'team-a/deployments/app'),
      status: { phase: 'Running', executionRef: { name: 'task-second' }, conditions: [] },
    };
    const engine = taskEngine(['u-second']);
    const { api, reconciler } = over(first, [second], engine.registry);
    await reconciler.reconcile('team-a/first', ctx());
    expect(engine.create).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      deduplicatedBy: 'second',
      failureDetails: { reason: 'Deduplicated' },
    });
  });
});
