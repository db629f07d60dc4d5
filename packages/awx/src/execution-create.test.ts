import {
  ConfigurationError,
  noopLogger,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { ExecutionCreate } from './execution-create.js';
import { WorkflowJobCancelingError } from './execution-errors.js';
import { markerVariable } from './execution-identity.js';
import { awxJobRef, ExecutionJobs } from './execution-jobs.js';
import { parseExecutorOptions } from './executor-options.js';
import {
  FakeAwx,
  FakeLock,
  restartExecution,
  restartIdentity,
  restartTemplate,
} from './fakes.test-support.js';
import { JobLaunch } from './job-launch.js';
import { claimed } from './launch-record.js';
import type { Job } from './schemas.js';
import { TemplateCatalog } from './template-catalog.js';

const template = restartTemplate;
const wfe = restartExecution;
const settings = parseExecutorOptions({ now: () => Date.parse('2026-03-01T10:00:00.000Z') });

/** The lock as a create claims it: its record as an earlier create left it. */
class ClaimedLock extends FakeLock {
  async claim(_wfe: WorkflowExecution, _namespace: string, attempt: string) {
    if (this.record === null) this.record = { credentials: [], finished: false };
    const written = await this.write(this.lock(), claimed(this.record, attempt, settings.now()));
    return { ...written, adopted: true };
  }
}

function setup() {
  const awx = new FakeAwx(template);
  const catalog = new TemplateCatalog(awx, 0, settings.now);
  const credentials = new EphemeralCredentials(awx, settings, noopLogger);
  const jobs = new ExecutionJobs(awx, catalog, settings, noopLogger);
  const launch = new JobLaunch(awx, { catalog, credentials, jobs }, settings, noopLogger);
  const lock = new ClaimedLock();
  const dependencies = { configMaps: async () => [], secrets: async () => [] };
  const parts = { awx, lock, catalog, jobs, credentials, dependencies, launch };
  const create = new ExecutionCreate({ ...parts, kubernetesApi: undefined }, settings, noopLogger);
  return { awx, lock, create };
}

describe('ExecutionCreate', () => {
  it('launches again only once the workflow job of an earlier sliced launch has ended', async () => {
    const { awx, lock, create } = setup();
    awx.runningWorkflows.add(61);
    lock.record = {
      template: 3,
      credentials: [],
      launchedAt: '2026-03-01T09:59:00.000Z',
      workflowJob: 61,
      finished: false,
    };

    // Its sliced jobs may still start: nothing is launched meanwhile.
    const error = await create.run(wfe, 'team-a', {}).catch((e: unknown) => e);
    expect(error).toEqual(new WorkflowJobCancelingError(61));
    expect(awx.launched).toEqual([]);
    expect(lock.record).toMatchObject({ workflowJob: 61 });

    // AWX canceled its sliced jobs and marked it canceled.
    awx.runningWorkflows.delete(61);
    const result = await create.run(wfe, 'team-a', {});
    expect(awx.launched).toHaveLength(1);
    const job = awx.jobs[0]?.id as number;
    expect(result.resourceName).toBe(awxJobRef(job));
    expect(lock.record).toMatchObject({ job });
    expect(lock.record?.workflowJob).toBeUndefined();
  });

  it('reports the job an earlier create launched as adopted, created when AWX created it', async () => {
    const { awx, lock, create } = setup();
    const extraVars = { [markerVariable(roundhouseConventions)]: restartIdentity.id };
    await awx.launch(3, { extraVars });
    const job = { ...(awx.jobs[0] as Job), created: '2026-03-01T09:30:00.123456Z' };
    awx.jobs = [job];
    awx.launched = [];
    lock.record = { template: 3, credentials: [], job: job.id, finished: false };

    const result = await create.run(wfe, 'team-a', {});
    expect(result).toEqual({
      resourceName: awxJobRef(job.id),
      warnings: [],
      adoptedKind: 'AWXJob',
      createdAt: '2026-03-01T09:30:00.123456Z',
    });
    expect(awx.launched).toEqual([]);
  });

  it('cancels the workflow job whose sliced job the marker finds after a lost launch answer, adopting no slice', async () => {
    const { awx, lock, create } = setup();
    const extraVars = { [markerVariable(roundhouseConventions)]: restartIdentity.id };
    awx.jobs = [awx.slicedJob({ extraVars }, 61), awx.slicedJob({ extraVars }, 61)];
    lock.record = {
      template: 3,
      credentials: [],
      launchedAt: '2026-03-01T09:59:00.000Z',
      finished: false,
    };

    const error = await create.run(wfe, 'team-a', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('launched workflow job 61 of sliced jobs');
    expect(awx.canceledWorkflows).toEqual([61, 61]);
    expect(awx.canceled).toEqual([]);
    expect(awx.launched).toEqual([]);
    expect(lock.record).toBeNull();
  });
});
