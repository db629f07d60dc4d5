import { ConfigurationError, type ExecutionResult, type WorkflowExecution } from '@roundhouse/core';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { ExecutionsByTarget } from './executions-by-target.js';
import { execution } from './executions-by-target.test-support.js';
import { reconcileContext as ctx, jobRegistry, reconcilerOver } from './reconciler.test-support.js';

const jobName = 'wfe-0123456789abcdef';
/** The execution was created at 10:00:00, its Job a second later; the restart adopts at 10:07. */
const createdAt = '2026-01-01T10:00:00Z';
const jobCreatedAt = '2026-01-01T10:00:01Z';
const now = new Date('2026-01-01T10:07:00Z');

/**
 * An execution still Pending whose Job a start before a restart made (the cache shows it by its
 * owner: `createdFor`), asking for the Secret `creds`, which the API server no longer has (its
 * opt-in gone, as far as the dependency check can tell), over an engine without `adopt` whose
 * getStatus reads the Job the status names unless `gone` says it was gone after all (the cache
 * behind its delete), and whose create would make one.
 */
function restartedOverItsJob(options: { gone?: boolean } = {}) {
  const stored = storedExecution('late', { dependencies: { secrets: [{ name: 'creds' }] } });
  const api = executionServer({
    ...stored,
    metadata: { ...stored.metadata, creationTimestamp: createdAt },
    status: { phase: 'Pending', conditions: [] },
  });
  const running: ExecutionResult = {
    phase: 'Running',
    reason: 'Running',
    message: 'running',
    summary: { status: 'Unknown' },
  };
  const getStatus = vi.fn(async (wfe: WorkflowExecution) =>
    !options.gone && wfe.status?.executionRef?.name === jobName ? running : null,
  );
  const create = vi.fn(async () => ({ resourceName: jobName, warnings: [] }));
  const cleanup = vi.fn(async () => {});
  return {
    api,
    create,
    cleanup,
    getStatus,
    registry: jobRegistry({ create, getStatus, cleanup }),
    orphans: {
      release: async () => {},
      createdFor: () => ({ name: jobName, kind: 'Job', createdAt: jobCreatedAt }),
      holds: () => false,
    },
  };
}

describe('WorkflowExecutionReconciler adopting a start made before a restart', () => {
  it('adopts the Job though its dependency no longer passes the check and the hooks now refuse, creating nothing', async () => {
    const { api, create, cleanup, getStatus, registry, orphans } = restartedOverItsJob();
    const refused = () => {
      throw new ConfigurationError({ path: 'spec.workflowRef', message: 'not in the catalog' });
    };
    const reconciler = reconcilerOver(api, {
      registry,
      orphans,
      resolveDependencies: vi.fn(async () => refused()),
      resolveDeclaredParameters: vi.fn(async () => refused()),
    });
    await reconciler.reconcile('team-a/late', ctx());
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: jobName },
    });
    expect(api.state.stored.status).not.toHaveProperty('failureDetails');
    expect(cleanup).not.toHaveBeenCalled();
    expect(create).not.toHaveBeenCalled();
    expect(getStatus).toHaveBeenCalledTimes(1);
  });

  it('adopts the Job though another execution, spelling the target another way, holds it now', async () => {
    const { api, registry, orphans } = restartedOverItsJob();
    const targets = new ExecutionsByTarget();
    targets.upsert(execution('other', 'Running', { target: 'team-a/deployments/app' }));
    const reconciler = reconcilerOver(api, { registry, orphans, targets });
    await reconciler.reconcile('team-a/late', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
  });

  it('records as its start when its Job was created, not when it was adopted', async () => {
    const { api, registry, orphans } = restartedOverItsJob();
    const reconciler = reconcilerOver(api, { registry, orphans, now: () => now });
    await reconciler.reconcile('team-a/late', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running', startTime: jobCreatedAt });
  });

  it('adopts the Job without waiting out a cooldown on its target, raised across the restart', async () => {
    const { api, registry, orphans } = restartedOverItsJob();
    const targets = new ExecutionsByTarget();
    // Finished a minute before the Job was created: past the cooldown of then, within today's.
    targets.upsert(
      execution('prior', 'Completed', {
        target: 'team-a/deployment/app',
        completionTime: '2026-01-01T09:59:01Z',
      }),
    );
    targets.upsert(api.state.stored);
    const reconciler = reconcilerOver(api, {
      registry,
      orphans,
      targets,
      cooldownMs: 60 * 60_000,
      now: () => now,
    });
    await reconciler.reconcile('team-a/late', ctx());
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: jobName },
    });
  });

  it('adopts the Job without waiting for a discovery read to learn the kind its target names', async () => {
    const { api, registry, orphans } = restartedOverItsJob();
    const learnKindOf = vi.fn(() => 30_000);
    const reconciler = reconcilerOver(api, { registry, orphans, kinds: { learnKindOf } });
    await reconciler.reconcile('team-a/late', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    expect(learnKindOf).not.toHaveBeenCalled();
  });

  it('creates nothing when the Job was gone after all (no extra run, nothing to remove), and retries the start', async () => {
    const { api, create, cleanup, registry, orphans } = restartedOverItsJob({ gone: true });
    const reconciler = reconcilerOver(api, { registry, orphans });
    await expect(reconciler.reconcile('team-a/late', ctx())).rejects.toThrow('nothing was created');
    expect(create).not.toHaveBeenCalled();
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: 'Waiting', reason: 'CreateFailed' }),
      ]),
    });
  });
});
