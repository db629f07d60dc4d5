import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import {
  cleanUp,
  jobsOf,
  makeExecution,
  manualClock,
  patience,
  seedTemplate,
  settle,
  useTestbed,
  withRef,
} from './testbed.js';

describeWithControlPlane('executionConfig.timeout on the ansible engine', () => {
  const { env, bed } = useTestbed();

  it('goes to a template that prompts for it, and AWX stopping the job reads as DeadlineExceeded', async () => {
    const template = seedTemplate(bed.sim, {
      askTimeoutOnLaunch: true,
      schedule: { pendingMs: 20, runningMs: 60_000 },
    });
    const executor = bed.executor();
    const created = makeExecution(template.name, { spec: { executionConfig: { timeout: '1s' } } });
    const { resourceName, warnings } = await executor.create(created, env.namespace);
    expect(warnings).toEqual([]);
    expect(jobsOf(bed.sim, created)[0]?.timeout).toBe(1);
    const wfe = withRef(created, resourceName);
    expect(await settle(executor, wfe, env.namespace)).toMatchObject({
      phase: 'Failed',
      reason: 'AWXJobFailed',
      failureReason: 'DeadlineExceeded',
    });
    await cleanUp(executor, wfe, env.namespace);
  });

  it('leaves a job AWX holds pending to the deadline, whose cleanup cancels it', async () => {
    // AWX's timeout is the runner's, counted from the playbook's start: a job AWX queues for
    // ever (no capacity, a hostile AWX) never reaches it. The controller's deadline stops the
    // execution through cleanup, as it does any engine's.
    const template = seedTemplate(bed.sim, {
      askTimeoutOnLaunch: true,
      schedule: { pendingMs: 3_600_000, runningMs: 150 },
    });
    const executor = bed.executor();
    const created = makeExecution(template.name, { spec: { executionConfig: { timeout: '1s' } } });
    const { resourceName } = await executor.create(created, env.namespace);
    const wfe = withRef(created, resourceName);
    const [job] = jobsOf(bed.sim, created);
    expect(job?.timeout).toBe(1);
    await vi.waitFor(() => expect(bed.sim.state.job(job!.id)?.status).toBe('pending'), patience);
    expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({
      phase: 'Pending',
      reason: 'AWXJobPending',
    });
    await cleanUp(executor, wfe, env.namespace);
    expect(bed.sim.state.job(job!.id)?.status).toBe('canceled');
  });

  it('is left to the controller, with a warning, when the template does not prompt for it', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 60_000 } });
    const executor = bed.executor();
    const created = makeExecution(template.name, { spec: { executionConfig: { timeout: '1s' } } });
    const { resourceName, warnings } = await executor.create(created, env.namespace);
    expect(warnings).toEqual([
      expect.stringContaining('does not prompt on launch for Timeout (ask_timeout_on_launch)'),
    ]);
    const [job] = jobsOf(bed.sim, created);
    expect(job?.timeout).toBe(0);
    // No launch-time timeout reached AWX, so nothing of it shows in ignored_fields either.
    await cleanUp(executor, withRef(created, resourceName), env.namespace);
  });

  it("ends at spec.timesOutAt when that comes first, counted by the executor's clock", async () => {
    const template = seedTemplate(bed.sim, {
      askTimeoutOnLaunch: true,
      schedule: { pendingMs: 20, runningMs: 60_000 },
    });
    const clock = manualClock(Date.parse('2030-01-01T00:00:00Z'));
    const executor = bed.executor({ now: clock.now });
    const created = makeExecution(template.name, {
      spec: { executionConfig: { timeout: '2h' }, timesOutAt: '2030-01-01T01:30:00Z' },
    });
    const { resourceName, warnings } = await executor.create(created, env.namespace);
    expect(warnings).toEqual([]);
    expect(jobsOf(bed.sim, created)[0]?.timeout).toBe(90 * 60);
    await cleanUp(executor, withRef(created, resourceName), env.namespace);
  });
});
