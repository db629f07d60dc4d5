import { ConfigurationError, type CreateOptions } from '@roundhouse/core';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { ExecutionsByTarget } from './executions-by-target.js';
import { execution } from './executions-by-target.test-support.js';
import { reconcileContext as ctx, jobRegistry, reconcilerOver } from './reconciler.test-support.js';

const jobName = 'wfe-0123456789abcdef';

/**
 * An execution still Pending whose Job a start before a restart made (the cache shows it by its
 * owner: `createdFor`), asking for the Secret `creds`, which the API server no longer has (its
 * opt-in gone, as far as the dependency check can tell), and an engine whose create adopts that
 * Job unless `fresh` says it was gone after all.
 */
function restartedOverItsJob(options: { fresh?: boolean } = {}) {
  const stored = storedExecution('late', { dependencies: { secrets: [{ name: 'creds' }] } });
  const api = executionServer({ ...stored, status: { phase: 'Pending', conditions: [] } });
  const create = vi.fn(async (_wfe: unknown, _namespace: string, _options?: CreateOptions) => ({
    resourceName: jobName,
    warnings: [],
    ...(options.fresh ? {} : { adoptedKind: 'Job' }),
  }));
  const cleanup = vi.fn(async () => {});
  return {
    api,
    create,
    cleanup,
    registry: jobRegistry({ create, cleanup }),
    orphans: { release: async () => {}, createdFor: () => jobName },
  };
}

describe('WorkflowExecutionReconciler adopting a start made before a restart', () => {
  it('adopts the Job though its dependency no longer passes the check and the hooks now refuse, handing the engine none of their inputs', async () => {
    const { api, create, cleanup, registry, orphans } = restartedOverItsJob();
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
    expect(create).toHaveBeenCalledTimes(1);
    expect(create.mock.calls[0]?.[2]).not.toHaveProperty('dependencies');
    expect(create.mock.calls[0]?.[2]).not.toHaveProperty('declaredParameterNames');
  });

  it('adopts the Job though another execution, spelling the target another way, holds it now', async () => {
    const { api, registry, orphans } = restartedOverItsJob();
    const targets = new ExecutionsByTarget();
    targets.upsert(execution('other', 'Running', { target: 'team-a/deployments/app' }));
    const reconciler = reconcilerOver(api, { registry, orphans, targets });
    await reconciler.reconcile('team-a/late', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
  });

  it('removes what the engine created instead when the Job was gone after all, and retries the start through its checks', async () => {
    const { api, cleanup, registry, orphans } = restartedOverItsJob({ fresh: true });
    const reconciler = reconcilerOver(api, { registry, orphans });
    await expect(reconciler.reconcile('team-a/late', ctx())).rejects.toThrow(
      'was gone when adopted',
    );
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: 'Waiting', reason: 'CreateFailed' }),
      ]),
    });
  });
});
