/**
 * A job template that does not allow simultaneous jobs (`allow_simultaneous` false, AWX's
 * default): AWX's task manager keeps a second job of it pending while the first runs
 * (DependencyGraph.job_blocked_by). The execution behind the held job is not failed: it stays
 * Pending, and says what it waits for once AWX does; cancelling it ends the job at once.
 */
import type { WorkflowExecution } from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import {
  cleanUp,
  jobsOf,
  makeExecution,
  ownSecret,
  patience,
  seedTemplate,
  useTestbed,
  withRef,
} from './testbed.js';

describeWithControlPlane('a job AWX holds behind another job of its template', () => {
  const { env, bed } = useTestbed();

  it('stays Pending, says which job it waits for, and is canceled at once while held', async () => {
    const template = seedTemplate(bed.sim, {
      schedule: { pendingMs: 20, runningMs: 120_000, cancelMs: 20 },
    });
    const executor = bed.executor();
    const start = async (): Promise<WorkflowExecution> => {
      const created = makeExecution(template.name);
      const dependencies = await ownSecret(bed.kube, env.namespace, created);
      const { resourceName } = await executor.create(created, env.namespace, { dependencies });
      return withRef(created, resourceName);
    };
    const first = await start();
    await vi.waitFor(
      async () => expect((await executor.getStatus(first, env.namespace))?.phase).toBe('Running'),
      patience,
    );
    const second = await start();
    const [firstJob] = jobsOf(bed.sim, first);
    const [held] = jobsOf(bed.sim, second);

    // AWX names the blocking job once the held one has waited 30 seconds (task_manager.py:558).
    await vi.waitFor(
      async () => {
        const status = await executor.getStatus(second, env.namespace);
        expect(status).toMatchObject({ phase: 'Pending', reason: 'AWXJobPending' });
        expect(status?.message).toBe(
          `AWX job is queued (AWX job ${held!.id}); AWX starts it once job ${firstJob!.id} of ` +
            'the same job template ends (the template does not allow simultaneous jobs: ' +
            'allow_simultaneous is false)',
        );
      },
      { timeout: 60_000, interval: 500 },
    );
    expect(bed.sim.state.job(held!.id)?.status).toBe('pending');

    await cleanUp(executor, second, env.namespace);
    expect(bed.sim.state.job(held!.id)).toMatchObject({ status: 'canceled', started: null });
    expect(bed.sim.state.job(firstJob!.id)?.status).toBe('running');
    await cleanUp(executor, first, env.namespace);
    expect(bed.sim.state.job(firstJob!.id)?.status).toBe('canceled');
  });
});
