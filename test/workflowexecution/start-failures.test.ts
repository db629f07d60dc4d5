import {
  type CreateResult,
  type Executor,
  Registry,
  RoundhouseError,
  type WorkflowExecution,
} from '@roundhouse/core';
import { MemoryExecutor } from '@roundhouse/core/testing';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { condition, eventsAbout, manifest, patience } from './harness.js';

/** An engine's own error, as AWX's: a status code and whether a retry may help. */
class EngineError extends RoundhouseError {
  readonly reason = 'EngineRefused';
  constructor(
    readonly statusCode: number,
    override readonly retryable: boolean,
  ) {
    super(`the engine answered ${statusCode}`);
  }
}

/** An engine whose create always fails with `error`. */
function failingEngine(engine: string, error: () => Error): Executor {
  return {
    engine,
    async create(): Promise<CreateResult> {
      throw error();
    },
    async getStatus() {
      return null;
    },
    async cleanup() {},
  };
}

describeWithControlPlane('WorkflowExecution controller: failures at start and lost engines', () => {
  const cluster = useController('wfe-start');
  const { env, client } = cluster;

  const start = (registry: Registry) =>
    cluster.start({
      registry,
      cooldownMs: 1_000,
      pollIntervalMs: { initial: 200, max: 1_000 },
    });

  it('fails an execution whose engine refuses it for good, classified by status code', async () => {
    await start(
      new Registry().register(failingEngine('refusing', () => new EngineError(401, false))),
    );
    const wfe = await cluster.apply(manifest({ engine: 'refusing' }));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Forbidden',
      message: 'Failed to create refusing execution resource: the engine answered 401',
      wasExecutionFailure: false,
    });
  });

  it('shows a retryable create failure on the execution while it retries', async () => {
    await start(new Registry().register(failingEngine('flaky', () => new EngineError(503, true))));
    const wfe = await cluster.apply(manifest({ engine: 'flaky' }));
    await vi.waitFor(async () => {
      const current = await cluster.read(wfe.metadata.name);
      expect(current?.status?.phase).toBe('Pending');
      expect(condition(current, 'Waiting')).toMatchObject({
        status: 'True',
        reason: 'CreateFailed',
        message: 'the engine answered 503',
      });
    }, patience);
  });

  it('stops a Running execution whose engine can no longer read its status once past its deadline', async () => {
    let stopped = 0;
    const unreadable: Executor = {
      engine: 'unreadable',
      async create() {
        return { resourceName: 'wfe-unreadable', warnings: [] };
      },
      async getStatus() {
        // A token the engine revoked after the start: every status read is refused for good.
        throw new EngineError(401, false);
      },
      async cleanup() {
        stopped += 1;
      },
    };
    await cluster.start({
      registry: new Registry().register(unreadable),
      cooldownMs: 60_000,
      deadlineGraceMs: 0,
      pollIntervalMs: { initial: 200, max: 1_000 },
    });
    const wfe = await cluster.apply(manifest({ engine: 'unreadable', timeout: '2s' }));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'the execution ran past its timeout of 2s and was stopped',
      wasExecutionFailure: true,
    });
    expect(failed.status?.startTime).toBeDefined();
    expect(stopped).toBeGreaterThanOrEqual(1);
  });

  it('fails a Running execution whose engine is no longer registered and releases its lock after the cooldown, saying its resource was left', async () => {
    const memory = new MemoryExecutor();
    const first = await start(new Registry().register(memory));
    const wfe = await cluster.apply(manifest({ engine: 'memory' }));
    const running: WorkflowExecution = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    await first.stop();
    // Restarted without the engine: nothing can read or remove the execution's resource.
    await start(new Registry());
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'UnsupportedEngine',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain(
      running.status?.executionRef?.name as string,
    );
    // As kubernaut's ReconcileTerminal: the target is free after the 1 s cooldown, although
    // no engine here can remove what the execution created, and the condition says so.
    await vi.waitFor(async () => {
      const later = await cluster.read(wfe.metadata.name);
      expect(condition(later, 'LockReleased')).toMatchObject({
        status: 'True',
        reason: 'ResourceNotRemoved',
        message: expect.stringContaining(running.status?.executionRef?.name as string),
      });
    }, patience);
  });

  it('fails an execution whose engineConfig nests thousands of levels deep, recording one Event however often it is edited', async () => {
    await start(new Registry().register(new MemoryExecutor()));
    let engineConfig: Record<string, unknown> = {};
    for (let i = 0; i < 2_000; i += 1) engineConfig = { a: engineConfig };
    const wfe = await cluster.apply(manifest({ engine: 'memory', engineConfig }));
    // Read as it is stored: no parser accepts this spec.
    const failed = await cluster.waitForStoredPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'ConfigurationError',
      message: expect.stringContaining('spec.workflowRef.engineConfig: is nested more than 64'),
      wasExecutionFailure: false,
    });
    // Each edit wakes the controller, which has nothing new to say about a failed execution.
    for (const edit of ['1', '2', '3']) {
      await client().patch(workflowExecutions, env.namespace, wfe.metadata.name, {
        metadata: { labels: { edit } },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const items = await eventsAbout(client(), env.namespace, wfe.metadata.name);
    // Once: the edits add nothing. Past the 1 s cooldown its lock may be released as well.
    const reasons = items.map((e) => e.reason);
    expect(reasons.filter((r) => r === 'WorkflowFailed')).toHaveLength(1);
    expect(reasons.filter((r) => r !== 'WorkflowFailed')).toEqual(
      reasons.includes('LockReleased') ? ['LockReleased'] : [],
    );
  });
});
