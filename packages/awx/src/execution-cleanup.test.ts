import {
  CleanupPendingError,
  type Logger,
  noopLogger,
  roundhouseConventions,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { ephemeralCredentialPrefix } from './credential-plan.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { ExecutionCleanup } from './execution-cleanup.js';
import {
  CleanupIncompleteError,
  JobStoppingError,
  WorkflowJobCancelingError,
} from './execution-errors.js';
import { executionIdentity, markerVariable } from './execution-identity.js';
import { ExecutionJobs } from './execution-jobs.js';
import { parseExecutorOptions } from './executor-options.js';
import { FakeAwx, FakeLock, restartExecution, restartTemplate } from './fakes.test-support.js';
import type { Job } from './schemas.js';
import { TemplateCatalog } from './template-catalog.js';

const template = restartTemplate;
const wfe = restartExecution;
const settings = parseExecutorOptions({ now: () => Date.parse('2026-03-01T10:00:00.000Z') });

/** The lock as cleanup finds it in the execution namespace. */
class StoredLock extends FakeLock {
  async find() {
    return this.record && { lock: this.lock(), record: this.record };
  }
}

function setup(log: Logger = noopLogger) {
  const awx = new FakeAwx(template);
  const catalog = new TemplateCatalog(awx, 0, settings.now);
  const lock = new StoredLock();
  const parts = {
    awx,
    lock,
    jobs: new ExecutionJobs(awx, catalog, settings, log),
    credentials: new EphemeralCredentials(awx, settings, noopLogger),
  };
  return { awx, lock, cleanup: new ExecutionCleanup(parts, settings, log) };
}

describe('ExecutionCleanup', () => {
  it('keeps the credentials and the lock until the workflow job of a sliced launch has ended', async () => {
    const { awx, lock, cleanup } = setup();
    const prefix = ephemeralCredentialPrefix(settings.namePrefix, executionIdentity(wfe));
    const credential = { id: 7, name: `${prefix}db`, organization: 1, credential_type: 9 };
    awx.credentials = [credential];
    awx.runningWorkflows.add(61);
    lock.record = {
      template: 3,
      credentials: [7],
      launchedAt: '2026-03-01T09:00:00.000Z',
      workflowJob: 61,
      finished: false,
    };

    const error = await cleanup.run(wfe, 'workflows', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupIncompleteError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as CleanupIncompleteError).failures).toEqual([new WorkflowJobCancelingError(61)]);
    expect(awx.credentials).toEqual([credential]);
    expect(lock.record).toMatchObject({ workflowJob: 61, credentials: [7] });

    // AWX canceled its sliced jobs and marked it canceled.
    awx.runningWorkflows.delete(61);
    await cleanup.run(wfe, 'workflows', {});
    expect(awx.credentials).toEqual([]);
    expect(lock.record).toBeNull();
  });

  it('deletes the credentials of a job last seen running that AWX no longer shows, and warns it may run on', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...noopLogger, warn: (_fields, message) => warnings.push(message) };
    const { awx, lock, cleanup } = setup(log);
    const prefix = ephemeralCredentialPrefix(settings.namePrefix, executionIdentity(wfe));
    const credential = { id: 7, name: `${prefix}db`, organization: 1, credential_type: 9 };
    awx.credentials = [credential];
    // The token lost Read on job 42's template: AWX answers 404 for it, and it may still run.
    const running = {
      ...wfe,
      status: { phase: 'Running' as const, executionRef: { name: 'awx-job-42' } },
    };
    lock.record = {
      template: 3,
      credentials: [7],
      launchedAt: '2026-03-01T09:59:00.000Z',
      job: 42,
      finished: false,
    };

    await cleanup.run(running, 'workflows', {});
    expect(awx.credentials).toEqual([]);
    expect(lock.record).toBeNull();
    expect(warnings).toEqual([
      expect.stringMatching(/^AWX job 42, last seen active, is not found/),
    ]);
  });

  it('holds the lock until a canceled running job has ended, deleting its credentials at once', async () => {
    const { awx, lock, cleanup } = setup();
    const identity = executionIdentity(wfe);
    const prefix = ephemeralCredentialPrefix(settings.namePrefix, identity);
    awx.credentials = [{ id: 7, name: `${prefix}db`, organization: 1, credential_type: 9 }];
    const extraVars = { [markerVariable(roundhouseConventions)]: identity.id };
    const { job } = await awx.launch(template.id, { extraVars });
    const setStatus = (status: Job['status']) => {
      awx.jobs = awx.jobs.map((j) => (j.id === job ? { ...j, status } : j));
    };
    // Running: AWX only flags it, and it goes on until its current task stops.
    setStatus('running');
    lock.record = { template: 3, credentials: [7], job, finished: false };

    const error = await cleanup.run(wfe, 'workflows', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStoppingError);
    expect(error).toBeInstanceOf(CleanupPendingError);
    expect(error).toMatchObject({ reason: 'AWXJobStopping', retryable: true, jobId: job });
    expect(awx.canceled).toEqual([job]);
    expect(awx.credentials).toEqual([]);
    expect(lock.record).toMatchObject({ job, finished: false });
    expect(lock.record?.claim).toBeUndefined();

    setStatus('canceled');
    await cleanup.run(wfe, 'workflows', {});
    expect(lock.record).toBeNull();
  });

  it('deletes the credentials of a running job AWX stops showing before its cancel, and warns', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...noopLogger, warn: (_fields, message) => warnings.push(message) };
    const { awx, lock, cleanup } = setup(log);
    const identity = executionIdentity(wfe);
    const prefix = ephemeralCredentialPrefix(settings.namePrefix, identity);
    awx.credentials = [{ id: 7, name: `${prefix}db`, organization: 1, credential_type: 9 }];
    const extraVars = { [markerVariable(roundhouseConventions)]: identity.id };
    const { job } = await awx.launch(template.id, { extraVars });
    // Read on its template is taken between the read of the job and its cancel: AWX answers 404.
    awx.cancelJob = async () => 'absent';
    lock.record = { template: 3, credentials: [7], job, finished: false };

    await cleanup.run(wfe, 'workflows', {});
    expect(awx.credentials).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^AWX job ${job}, last seen active, is not found`)),
    ]);
  });

  it('cancels the workflow job, not one of its slices, when the marker finds a sliced job', async () => {
    const { awx, lock, cleanup } = setup();
    const identity = executionIdentity(wfe);
    const prefix = ephemeralCredentialPrefix(settings.namePrefix, identity);
    const credential = { id: 7, name: `${prefix}db`, organization: 1, credential_type: 9 };
    awx.credentials = [credential];
    const extraVars = { [markerVariable(roundhouseConventions)]: identity.id };
    awx.jobs = [awx.slicedJob({ extraVars }, 61), awx.slicedJob({ extraVars }, 61)];
    lock.record = {
      template: 3,
      credentials: [7],
      launchedAt: '2026-03-01T09:59:00.000Z',
      finished: false,
    };

    await cleanup.run(wfe, 'workflows', {});
    expect(awx.canceledWorkflows).toEqual([61, 61]);
    expect(awx.canceled).toEqual([]);
    expect(awx.credentials).toEqual([]);
    expect(lock.record).toBeNull();
  });
});
