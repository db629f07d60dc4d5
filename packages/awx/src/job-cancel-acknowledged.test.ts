import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { CleanupPendingError, noopLogger, roundhouseConventions } from '@roundhouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { ExecutionCleanup } from './execution-cleanup.js';
import { JobStoppingError } from './execution-errors.js';
import { executionIdentity } from './execution-identity.js';
import { ExecutionJobs } from './execution-jobs.js';
import { parseExecutorOptions } from './executor-options.js';
import { launchExtraVars } from './extra-vars-plan.js';
import { FakeLock, restartExecution } from './fakes.test-support.js';
import { awxJobResult, isJobActive } from './status.js';
import { TemplateCatalog } from './template-catalog.js';

/*
 * AWX cancels a job the dispatcher holds (waiting or running) only by its flag: the dispatcher
 * acknowledges, and the job's status is left to its own task (UnifiedJob.cancel,
 * awx/main/models/unified_jobs.py:1503-1511), so a cancel is answered 202 while the job goes on
 * showing `waiting` until RunJob.run ends it (awx/main/tasks/jobs.py:473-477).
 */

let sim: AwxSimulator;
let awx: AwxClient;

beforeAll(async () => {
  sim = await startAwxSimulator();
  awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 1 });
});
afterAll(async () => {
  await awx.close();
  await sim.stop();
});

/** The lock as cleanup finds it in the execution namespace. */
class StoredLock extends FakeLock {
  async find() {
    return this.record && { lock: this.lock(), record: this.record };
  }
}

/** A job of `restartExecution` that the dispatcher holds in `waiting` past any test. */
async function waitingJob(): Promise<number> {
  const template = sim.state.addJobTemplate({
    name: `held-${Math.random()}`,
    askVariablesOnLaunch: true,
    schedule: { pendingMs: 0, waitingMs: 600_000, cancelMs: 600_000 },
  });
  const identity = executionIdentity(restartExecution);
  const extraVars = launchExtraVars(restartExecution, identity, [], roundhouseConventions);
  const { job } = await awx.launch(template.id, { extraVars });
  while ((await awx.getJob(job))?.status !== 'waiting') {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return job;
}

describe('a cancel AWX acknowledges while the job goes on', () => {
  it('reads the waiting job as still pending, and a cancel sent again as requested', async () => {
    const id = await waitingJob();
    expect(await awx.cancelJob(id)).toBe('requested');
    const job = await awx.getJob(id);
    expect(job?.status).toBe('waiting');
    expect(isJobActive(job?.status ?? '')).toBe(true);
    expect(awxJobResult(job as NonNullable<typeof job>)).toMatchObject({ phase: 'Pending' });
    expect(await awx.cancelJob(id)).toBe('requested');
  });

  it('holds the lock with JobStoppingError while the job stays waiting', async () => {
    const id = await waitingJob();
    const settings = parseExecutorOptions({});
    const catalog = new TemplateCatalog(awx, 0, settings.now);
    const lock = new StoredLock();
    lock.record = { credentials: [], job: id, finished: false };
    const parts = {
      awx,
      lock,
      jobs: new ExecutionJobs(awx, catalog, settings, noopLogger),
      credentials: new EphemeralCredentials(awx, settings, noopLogger),
    };
    const cleanup = new ExecutionCleanup(parts, settings, noopLogger);

    const error = await cleanup.run(restartExecution, 'workflows', {}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(JobStoppingError);
    expect(error).toBeInstanceOf(CleanupPendingError);
    expect(error).toMatchObject({ reason: 'AWXJobStopping', retryable: true, jobId: id });
    expect(sim.state.job(id)).toMatchObject({ status: 'waiting', cancelFlag: true });
    expect(lock.record).toMatchObject({ job: id, finished: false });
  });
});
