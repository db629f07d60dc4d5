/**
 * Past 350 lines: the launch and every way AWX refuses it, over the package's
 * FakeAwx and FakeLock (fakes.test-support.ts).
 */
import { ConfigurationError, noopLogger, roundhouseConventions } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import {
  AwxApiError,
  AwxConnectionError,
  AwxLookupError,
  AwxPermissionError,
} from './awx-errors.js';
import { CreateAttempt, rollBack } from './create-attempt.js';
import { planCredentials } from './credential-plan.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import {
  JobCredentialsMissingError,
  LaunchUnresolvedError,
  LockLostError,
} from './execution-errors.js';
import { markerVariable } from './execution-identity.js';
import { ExecutionJobs } from './execution-jobs.js';
import { FakeAwx, FakeLock, restartIdentity, restartTemplate } from './fakes.test-support.js';
import { JobLaunch, type LaunchPlan } from './job-launch.js';
import { claimed } from './launch-record.js';
import { TemplateCatalog } from './template-catalog.js';

const identity = restartIdentity;
const template = restartTemplate;
const marker = { [markerVariable(roundhouseConventions)]: identity.id };
const now = () => Date.parse('2026-03-01T10:00:00.000Z');
const settings = {
  conventions: roundhouseConventions,
  clockSkewToleranceMs: 0,
  lookbackMs: 60_000,
  organizationId: 1,
  namePrefix: 'roundhouse-',
  cacheTtlMs: 60_000,
  launchCommitWindowMs: 300_000,
  now,
};

function setup() {
  const awx = new FakeAwx(template);
  const catalog = new TemplateCatalog(awx, settings.cacheTtlMs, now);
  const credentials = new EphemeralCredentials(awx, settings, noopLogger);
  const jobs = new ExecutionJobs(awx, catalog, settings, noopLogger);
  const launch = new JobLaunch(awx, { catalog, credentials, jobs }, settings, noopLogger);
  const lock = new FakeLock();
  const attempt = new CreateAttempt(
    lock,
    { lock: lock.lock(), record: claimed(lock.record!, 'first', now()), adopted: false },
    'first',
    now,
  );
  /** What the executor's create does: launch, and on failure roll back. */
  const run = async (plan: LaunchPlan, signal?: AbortSignal) => {
    try {
      return await launch.run(attempt, plan, await catalog.template('restart', signal), signal);
    } catch (error) {
      await rollBack(
        attempt,
        error,
        identity,
        { awx, credentials, log: noopLogger },
        new AbortController().signal,
      );
      throw error;
    }
  };
  return { awx, lock, catalog, attempt, launch, run };
}

/**
 * What the rollback of a launch AWX sliced leaves: workflow job 61 canceled, asked again until
 * AWX answers 405 once it (and any sliced jobs) ended, no job of its canceled, no credential, no
 * lock.
 */
function expectSlicedLaunchRolledBack({
  awx,
  lock,
}: Pick<ReturnType<typeof setup>, 'awx' | 'lock'>) {
  expect(awx.canceledWorkflows).toEqual([61, 61]);
  expect(awx.canceled).toEqual([]);
  expect(awx.credentials).toEqual([]);
  expect(lock.record).toBeNull();
}

/** A launch AWX sliced into workflow job 61 and whose answer was lost, run to its failure. */
async function lostSlicedLaunch(slicesSpawned: boolean) {
  const launched = setup();
  const { awx, run } = launched;
  awx.workflowJob = 61;
  awx.slicesSpawned = slicesSpawned;
  awx.launchError = lost();
  awx.launchesAnyway = true;
  const error = await run(plan([{ k: 'v' }])).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as Error).message).toContain('launched workflow job 61 of sliced jobs');
  return launched;
}

function plan(secrets: Record<string, string>[] = [], timeoutMs?: number): LaunchPlan {
  return {
    identity,
    variables: new Map([
      [markerVariable(roundhouseConventions), { source: 'marker', value: identity.id }],
    ]),
    extraVars: { ...marker },
    credentials: planCredentials(
      secrets.map((data, i) => ({ name: `s${i}`, data })),
      identity,
      settings.namePrefix,
      roundhouseConventions,
    ),
    injected: {
      secrets: secrets.map((_, i) => ({ name: `s${i}`, resourceVersion: '1' })),
      kubernetesToken: false,
    },
    timeoutMs,
    warnings: [],
  };
}

const lost = () =>
  new AwxConnectionError('POST job_templates/3/launch/', {
    kind: 'interrupted',
    code: 'ECONNRESET',
  });

/**
 * A launch of one Secret that AWX refuses with `status`: what it threw, once the rollback is
 * checked to have deleted the credential and the lock.
 */
async function refusedLaunch(
  status: number,
  detail: string | undefined,
  fields: { path: string; message: string }[] = [],
) {
  const { awx, lock, run } = setup();
  awx.launchError = new AwxApiError(
    'POST job_templates/3/launch/',
    status,
    detail,
    fields,
    undefined,
  );
  const error = await run(plan([{ k: 'v' }])).catch((e: unknown) => e);
  expect(awx.credentials).toEqual([]);
  expect(lock.record).toBeNull();
  return { awx, error };
}

describe('JobLaunch', () => {
  it("launches with the template's credentials and the execution's, and records it all", async () => {
    const { awx, lock, run } = setup();
    awx.templateOwn = [
      { id: 1, name: 'machine', organization: 1, credential_type: 1 },
      { id: 2, name: 'old cloud', organization: 1, credential_type: 9 },
    ];
    const result = await run(plan([{ k: 'v' }]));
    const [ephemeral] = awx.credentials;
    const [job] = awx.jobs;
    expect(result.resourceName).toBe(`awx-job-${job!.id}`);
    expect(awx.launched[0]?.credentials).toEqual([1, ephemeral!.id]);
    expect(result.warnings).toEqual([
      `the job template's credential "old cloud" (id 2) is replaced for this job by an ephemeral credential of the same type`,
    ]);
    expect(lock.record).toEqual({
      template: 3,
      credentials: [ephemeral!.id],
      // What the job's output is scrubbed of: the Secrets' versions, never their values.
      injected: { secrets: [{ name: 's0', resourceVersion: '1' }], kubernetesToken: false },
      launchedAt: '2026-03-01T10:00:00.000Z',
      job: job!.id,
      finished: false,
    });
  });

  it('never sends a credential an admin removed from the template since the last launch', async () => {
    const { awx, catalog, run } = setup();
    const machine = { id: 1, name: 'machine', organization: 1, credential_type: 1 };
    const vault = { id: 2, name: 'vault', organization: 1, credential_type: 3 };
    awx.templateOwn = [machine, vault];
    // An earlier launch read the template's credentials.
    await catalog.credentials(template, undefined);
    awx.templateOwn = [machine];
    await run(plan([{ k: 'v' }]));
    // AWX would take credential 2 as a prompted one and put it back on the job.
    expect(awx.launched[0]?.credentials).toEqual([1, awx.credentials[0]!.id]);
  });

  it("UT-WE-365-005 (differs on purpose): launches nothing when the template's own credentials cannot be read, deleting the credentials and the lock", async () => {
    // kubernaut launches with the ephemeral credentials alone, which AWX refuses for a template
    // that has credentials of its own (Removing … without replacement) or runs without them.
    const { awx, lock, run } = setup();
    awx.templateCredentials = async () => {
      throw new AwxApiError(
        'GET job_templates/3/credentials/',
        500,
        'internal server error',
        [],
        undefined,
      );
    };
    const error = await run(plan([{ k: 'v' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxApiError);
    expect((error as AwxApiError).retryable).toBe(true);
    expect(awx.launched).toEqual([]);
    expect(awx.credentials).toEqual([]);
    expect(lock.record).toBeNull();
  });

  it('turns a launch AWX refused into a ConfigurationError, deleting the credentials and the lock', async () => {
    const { awx, error } = await refusedLaunch(400, undefined, [
      { path: 'variables_needed_to_start', message: "'region' value missing" },
    ]);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toContain(
      'AWX refused to launch job template "restart": variables_needed_to_start',
    );
    expect(awx.canceled).toEqual([]);
  });

  it('names Execute on the template when AWX refuses the launch with 403, deleting the credentials and the lock', async () => {
    const { error } = await refusedLaunch(
      403,
      'You do not have permission to perform this action.',
    );
    expect(error).toBeInstanceOf(AwxPermissionError);
    expect(error).toMatchObject({ statusCode: 403, reason: 'AWXForbidden', right: 'Execute' });
    expect((error as Error).message).toContain('lacks Execute on job template "restart" (id 3)');
  });

  it("reports a 403 in AWX's own words as AWX said it, deleting the credentials and the lock", async () => {
    const { error } = await refusedLaunch(403, 'License has expired.');
    expect(error).toMatchObject({ statusCode: 403, reason: 'AWXForbidden' });
    expect((error as Error).message).toBe(
      'AWX POST job_templates/3/launch/ answered 403: License has expired.',
    );
  });

  it('names the passwords a refused launch lacked, and how to fix the template', async () => {
    const { error } = await refusedLaunch(400, undefined, [
      { path: 'passwords_needed_to_start', message: 'become_password' },
    ]);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toContain(
      'AWX job template "restart" (id 3) has credentials that ask for passwords at launch (become_password), which an execution cannot give',
    );
  });

  it('cancels a job whose credentials AWX ignored, then deletes the credentials and the lock', async () => {
    const { awx, lock, run } = setup();
    awx.ignoredFields = { credentials: [7] };
    await expect(run(plan([{ k: 'v' }]))).rejects.toThrow(ConfigurationError);
    expect(awx.canceled).toEqual([awx.jobs[0]!.id]);
    expect(awx.credentials).toEqual([]);
    expect(lock.record).toBeNull();
  });

  it('launches a template that prompts for slicing with one slice', async () => {
    const { awx, run } = setup();
    awx.template = { ...template, job_slice_count: 4, ask_job_slice_count_on_launch: true };
    await run(plan());
    expect(awx.launched[0]?.jobSliceCount).toBe(1);
    expect(awx.jobs).toHaveLength(1);
  });

  it('cancels the workflow job of a launch AWX sliced, then deletes the credentials and the lock', async () => {
    const { awx, lock, run } = setup();
    awx.workflowJob = 61;
    const error = await run(plan([{ k: 'v' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message: expect.stringMatching(
          /^AWX job template "restart" \(id 3\) launched workflow job 61 of sliced jobs instead of a job, which was canceled; set its Job Slicing \(job_slice_count\) to 1/,
        ),
      },
    ]);
    expectSlicedLaunchRolledBack({ awx, lock });
  });

  it('keeps the credentials and the lock while AWX still cancels the sliced jobs of a running workflow job', async () => {
    const { awx, lock, run } = setup();
    awx.workflowJob = 61;
    awx.runningWorkflows.add(61);
    await expect(run(plan([{ k: 'v' }]))).rejects.toThrow(ConfigurationError);
    const [credential] = awx.credentials;
    expect(credential).toBeDefined();
    expect(lock.record).toMatchObject({ workflowJob: 61, credentials: [credential!.id] });
    expect(lock.record?.claim).toBeUndefined();
  });

  it('adopts no sliced job of a lost launch: the workflow job that spawned them is canceled', async () => {
    expectSlicedLaunchRolledBack(await lostSlicedLaunch(true));
  });

  it('cancels the workflow job of a lost launch found before it spawned its sliced jobs', async () => {
    expectSlicedLaunchRolledBack(await lostSlicedLaunch(false));
  });

  it('adopts the job of a launch whose answer was lost', async () => {
    const { awx, lock, run } = setup();
    awx.launchError = lost();
    awx.launchesAnyway = true;
    const result = await run(plan([{ k: 'v' }]));
    expect(awx.launched).toHaveLength(1);
    expect(result.resourceName).toBe(`awx-job-${awx.jobs[0]!.id}`);
    expect(awx.credentials).toHaveLength(1);
    expect(lock.record?.job).toBe(awx.jobs[0]!.id);
  });

  it('keeps the credentials of a launch whose answer and lookup were both lost', async () => {
    const { awx, lock, run } = setup();
    awx.launchError = lost();
    awx.launchesAnyway = true;
    awx.lookupError = new AwxApiError('GET jobs/', 502, undefined, [], undefined);
    const error = await run(plan([{ k: 'v' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchUnresolvedError);
    expect(error).toMatchObject({ retryable: true, launchUntil: '2026-03-01T10:05:00.000Z' });
    // The job AWX committed still has the credential it was launched with.
    const [job] = awx.jobs;
    expect(job?.summary_fields?.credentials).toHaveLength(1);
    expect(awx.credentials).toHaveLength(1);
    expect(awx.canceled).toEqual([]);
    expect(lock.record).toMatchObject({
      launchedAt: '2026-03-01T10:00:00.000Z',
      credentials: [awx.credentials[0]!.id],
    });
    expect(lock.record?.claim).toBeUndefined();
  });

  it('never repeats a launch whose answer was lost and whose job is not found', async () => {
    const { awx, run } = setup();
    awx.launchError = lost();
    await expect(run(plan([{ k: 'v' }]))).rejects.toBeInstanceOf(LaunchUnresolvedError);
    expect(awx.launched).toHaveLength(1);
    expect(awx.credentials).toHaveLength(1);
  });

  it('launches nothing for an aborted signal, and leaves neither credential nor lock', async () => {
    const { awx, lock, run } = setup();
    const error = await run(plan([{ k: 'v' }]), AbortSignal.abort()).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'Aborted' });
    expect(awx.launched).toEqual([]);
    expect(awx.credentials).toEqual([]);
    expect(lock.record).toBeNull();
  });

  it('launches once more with what AWX has now when a remembered template was replaced', async () => {
    const { awx, catalog, run } = setup();
    await catalog.template('restart', undefined);
    awx.template = { ...template, id: 4 };
    const result = await run(plan());
    expect(awx.launched).toHaveLength(2);
    expect(result.resourceName).toBe(`awx-job-${awx.jobs[0]!.id}`);
    expect(awx.jobs[0]?.job_template).toBe(4);
  });

  it("launches with the execution's Secrets when a remembered template was replaced: its credentials are read from the new one", async () => {
    const { awx, catalog, lock, run } = setup();
    await catalog.template('restart', undefined);
    // Deleted and made again under its name (a GitOps apply, say): the old id is 404 everywhere.
    awx.template = { ...template, id: 4 };
    awx.templateOwn = [{ id: 1, name: 'machine', organization: 1, credential_type: 1 }];
    const result = await run(plan([{ k: 'v' }]));
    expect(result.resourceName).toBe(`awx-job-${awx.jobs[0]!.id}`);
    expect(awx.jobs[0]?.job_template).toBe(4);
    expect(awx.launched.map((l) => l.credentials)).toEqual([[1, awx.credentials[0]!.id]]);
    expect(lock.record).toMatchObject({ template: 4, job: awx.jobs[0]!.id });
  });

  it('looks a template deleted since it was read up afresh, and names it when none is left', async () => {
    const { awx, catalog, attempt, launch } = setup();
    const fresh = await catalog.template('restart', undefined);
    // Deleted between this create's read and its launch: AWX answers the old id 404.
    awx.template = { ...template, id: 4 };
    awx.findJobTemplate = async () => {
      throw new AwxLookupError('GET job_templates/', 'job template', 'restart', []);
    };
    const error = await launch
      .run(attempt, plan([{ k: 'v' }]), fresh, undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('no AWX job template named "restart"');
    expect(awx.launched).toEqual([]);
  });

  it("checks a replaced template's survey before launching again: what it does not ask for is refused", async () => {
    const { awx, catalog, run } = setup();
    await catalog.template('restart', undefined);
    awx.template = { ...template, id: 4, ask_variables_on_launch: false, survey_enabled: true };
    const error = await run(plan()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toContain(
      `its survey does not ask for ${markerVariable(roundhouseConventions)}`,
    );
    expect(awx.launched).toHaveLength(1);
    expect(awx.surveyReads).toBe(1);

    const again = setup();
    await again.catalog.template('restart', undefined);
    again.awx.template = awx.template;
    again.awx.survey = [{ variable: markerVariable(roundhouseConventions), type: 'text' }];
    await again.run(plan());
    expect(again.awx.launched).toHaveLength(2);
    expect(again.awx.jobs[0]?.job_template).toBe(4);
  });

  it("types the variables again for a replaced template's survey before launching again", async () => {
    const { awx, catalog, run } = setup();
    await catalog.template('restart', undefined);
    awx.template = { ...template, id: 4, survey_enabled: true };
    awx.survey = [{ variable: 'REPLICAS', type: 'integer' }];
    const surveyed: LaunchPlan = {
      ...plan(),
      variables: new Map([...plan().variables, ['REPLICAS', { source: 'parameter', value: '03' }]]),
      // As typed for the template first read, which had no survey.
      extraVars: { ...marker, REPLICAS: '03' },
    };
    await run(surveyed);
    expect(awx.launched.map((l) => l.extraVars.REPLICAS)).toEqual(['03', 3]);
    expect(awx.jobs[0]?.job_template).toBe(4);

    // A value the fresh survey's question refuses fails the execution, naming the parameter.
    const refused = setup();
    await refused.catalog.template('restart', undefined);
    refused.awx.template = awx.template;
    refused.awx.survey = [{ variable: 'REPLICAS', type: 'integer', max: 2 }];
    const error = await refused.run(surveyed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual([
      {
        path: 'spec.parameters.REPLICAS',
        message: expect.stringMatching(/^must be at most 2 for the integer survey question/),
      },
    ]);
    expect(refused.awx.launched).toHaveLength(1);
  });

  it('stops before launching when another call took the lock over, deleting only its own credentials', async () => {
    const { awx, lock, run } = setup();
    const theirs = { id: 99, name: 'roundhouse-ephemeral-x', organization: 1, credential_type: 9 };
    awx.createCredential = async (request) => {
      lock.takeOver();
      awx.credentials.push(theirs);
      return FakeAwx.prototype.createCredential.call(awx, request);
    };
    await expect(run(plan([{ k: 'v' }]))).rejects.toBeInstanceOf(LockLostError);
    expect(awx.launched).toEqual([]);
    expect(awx.credentials).toEqual([theirs]);
    expect(lock.record).not.toBeNull();
  });

  it('sends the timeout to a template that prompts for it, and says when it cannot', async () => {
    const { awx, run } = setup();
    awx.template = { ...template, ask_timeout_on_launch: true };
    await run(plan([], 90_500));
    expect(awx.launched[0]?.timeout).toBe(91);
    const other = setup();
    const { warnings } = await other.run(plan([], 90_500));
    expect(other.awx.launched[0]?.timeout).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^the execution's timeout \(spec\.executionConfig\.timeout, or spec\.timesOutAt\) is not sent to AWX: .*ask_timeout_on_launch/,
      ),
    ]);
  });

  it('cancels an adopted job that lost its credentials before it ran, and says so', async () => {
    const { awx, run } = setup();
    awx.launchError = lost();
    awx.launchesAnyway = true;
    const deleteFirst = awx.findJob.bind(awx);
    awx.findJob = async (query, matches) => {
      // Someone deleted the credential between the launch and the lookup.
      for (const c of awx.credentials) await awx.deleteCredential(c.id);
      return deleteFirst(query, matches);
    };
    const error = await run(plan([{ k: 'v' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobCredentialsMissingError);
    expect(error).toMatchObject({ retryable: false, jobId: awx.jobs[0]!.id });
    expect(awx.canceled).toEqual([awx.jobs[0]!.id]);
  });

  it('cancels an adopted job whose variables AWX ignored, naming them: its launch answer said so and was lost', async () => {
    const { awx, lock, run } = setup();
    awx.launchError = lost();
    awx.launchesAnyway = true;
    // The template stopped prompting for Variables between the check and the launch; its
    // survey asks for the marker only.
    awx.ignoredFields = { extra_vars: { REPLICAS: 3 } };
    const withReplicas: LaunchPlan = {
      ...plan([{ k: 'v' }]),
      variables: new Map([...plan().variables, ['REPLICAS', { source: 'parameter', value: '3' }]]),
      extraVars: { ...marker, REPLICAS: 3 },
    };
    const error = await run(withReplicas).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      'AWX job template "restart" (id 3) ignored the launch\'s extra_vars REPLICAS',
    );
    expect(awx.canceled).toEqual([awx.jobs[0]!.id]);
    expect(awx.credentials).toEqual([]);
    expect(lock.record).toBeNull();
  });
});
