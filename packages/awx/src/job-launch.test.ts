import { ConfigurationError, noopLogger, roundhouseConventions } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { AwxApiError, AwxConnectionError } from './awx-errors.js';
import type {
  CredentialFilter,
  CredentialStore,
  CredentialTypeStore,
  JobCanceler,
  JobLauncher,
  JobReader,
  JobTemplateReader,
  LaunchRequest,
} from './awx-roles.js';
import { planCredentials } from './credential-plan.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { executionIdentity, markerVariable } from './execution-identity.js';
import { ExecutionJobs } from './execution-jobs.js';
import { JobLaunch, type LaunchPlan } from './job-launch.js';
import type {
  Credential,
  CredentialRequest,
  CredentialTypeRequest,
  Job,
  JobTemplate,
} from './schemas.js';

const identity = executionIdentity({
  metadata: { name: 'restart-api', namespace: 'team-a', uid: 'u-1' },
});
const template: JobTemplate = {
  id: 3,
  name: 'restart',
  organization: 1,
  ask_variables_on_launch: true,
  ask_credential_on_launch: true,
  ask_timeout_on_launch: false,
};
const marker = { [markerVariable(roundhouseConventions)]: identity.id };
const settings = {
  conventions: roundhouseConventions,
  clockSkewToleranceMs: 0,
  lookbackMs: 60_000,
  organizationId: 1,
  namePrefix: 'roundhouse-',
};

/** Just enough of AWX for a launch: how `launch` answers is set per test. */
class FakeAwx
  implements
    JobTemplateReader,
    JobLauncher,
    JobReader,
    JobCanceler,
    CredentialStore,
    CredentialTypeStore
{
  jobs: Job[] = [];
  credentials: Credential[] = [];
  templateOwn: Credential[] = [];
  launched: LaunchRequest[] = [];
  canceled: number[] = [];
  ignoredFields: Record<string, unknown> = {};
  /** Thrown by launch; with `launchesAnyway`, after AWX created the job. */
  launchError: Error | undefined;
  launchesAnyway = false;
  #nextId = 50;

  async findJobTemplate() {
    return template;
  }
  async templateCredentials() {
    return this.templateOwn;
  }
  async launch(_templateId: number, request: LaunchRequest) {
    this.launched.push(request);
    if (this.launchError && !this.launchesAnyway) throw this.launchError;
    const job: Job = {
      id: this.#nextId++,
      status: 'pending',
      job_template: template.id,
      created: new Date().toISOString(),
      extra_vars: JSON.stringify(request.extraVars),
      job_explanation: '',
      timeout: 0,
      elapsed: 0,
    };
    this.jobs.push(job);
    if (this.launchError) throw this.launchError;
    return { job: job.id, ignored_fields: this.ignoredFields };
  }
  async getJob(id: number) {
    return this.jobs.find((j) => j.id === id) ?? null;
  }
  async findJob(_query: unknown, matches: (job: Job) => boolean) {
    return this.jobs.find(matches) ?? null;
  }
  async jobStdoutTail() {
    return '';
  }
  async cancelJob(id: number) {
    this.canceled.push(id);
    return 'requested' as const;
  }
  async findCredentialType() {
    return null;
  }
  async createCredentialType(type: CredentialTypeRequest) {
    return { id: 9, managed: false, ...type, inputs: { fields: [], required: [] } };
  }
  async listCredentials(filter: CredentialFilter) {
    return this.credentials.filter((c) => c.name.startsWith(filter.nameStartsWith ?? ''));
  }
  async createCredential(request: CredentialRequest) {
    const { name, organization, credential_type } = request;
    const credential = { id: this.#nextId++, name, organization, credential_type };
    this.credentials.push(credential);
    return credential;
  }
  async deleteCredential(id: number) {
    this.credentials = this.credentials.filter((c) => c.id !== id);
    return true;
  }
}

function setup() {
  const awx = new FakeAwx();
  const credentials = new EphemeralCredentials(awx, settings, noopLogger);
  const jobs = new ExecutionJobs(awx, settings);
  return { awx, launch: new JobLaunch(awx, credentials, jobs, 0, noopLogger) };
}

function plan(secrets: Record<string, string>[] = []): LaunchPlan {
  return {
    identity,
    template,
    extraVars: { ...marker },
    credentials: planCredentials(
      secrets.map((data, i) => ({ name: `s${i}`, data })),
      identity,
      settings.namePrefix,
      roundhouseConventions,
    ),
    warnings: [],
  };
}

describe('JobLaunch', () => {
  it("launches with the template's credentials and the execution's, and warns of a replaced one", async () => {
    const { awx, launch } = setup();
    awx.templateOwn = [
      { id: 1, name: 'machine', organization: 1, credential_type: 1 },
      { id: 2, name: 'old cloud', organization: 1, credential_type: 9 },
    ];
    const result = await launch.run(plan([{ k: 'v' }]), undefined);
    const [ephemeral] = awx.credentials;
    expect(result.resourceName).toBe(`awx-job-${awx.jobs[0]!.id}`);
    expect(awx.launched[0]?.credentials).toEqual([1, ephemeral!.id]);
    expect(result.warnings).toEqual([
      `the job template's credential "old cloud" (id 2) is replaced for this job by an ephemeral credential of the same type`,
    ]);
  });

  it('turns a launch AWX refused into a ConfigurationError and deletes the credentials', async () => {
    const { awx, launch } = setup();
    awx.launchError = new AwxApiError(
      'POST job_templates/3/launch/',
      400,
      undefined,
      [{ path: 'variables_needed_to_start', message: "'region' value missing" }],
      undefined,
    );
    const error = await launch.run(plan([{ k: 'v' }]), undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toContain(
      'AWX refused to launch job template "restart": variables_needed_to_start',
    );
    expect(awx.credentials).toEqual([]);
    expect(awx.canceled).toEqual([]);
  });

  it('cancels a job whose credentials AWX ignored, and deletes the credentials', async () => {
    const { awx, launch } = setup();
    awx.ignoredFields = { credentials: [7] };
    await expect(launch.run(plan([{ k: 'v' }]), undefined)).rejects.toThrow(ConfigurationError);
    expect(awx.canceled).toEqual([awx.jobs[0]!.id]);
    expect(awx.credentials).toEqual([]);
  });

  it('adopts the job of a launch whose answer was lost', async () => {
    const { awx, launch } = setup();
    awx.launchError = new AwxConnectionError('POST job_templates/3/launch/', {
      kind: 'interrupted',
      code: 'ECONNRESET',
    });
    awx.launchesAnyway = true;
    const result = await launch.run(plan([{ k: 'v' }]), undefined);
    expect(awx.launched).toHaveLength(1);
    expect(result.resourceName).toBe(`awx-job-${awx.jobs[0]!.id}`);
    expect(awx.credentials).toHaveLength(1);
  });

  it('never repeats a launch whose answer was lost and whose job is not found', async () => {
    const { awx, launch } = setup();
    const lost = new AwxConnectionError('POST job_templates/3/launch/', {
      kind: 'interrupted',
      code: 'ECONNRESET',
    });
    awx.launchError = lost;
    await expect(launch.run(plan([{ k: 'v' }]), undefined)).rejects.toBe(lost);
    expect(awx.launched).toHaveLength(1);
    expect(awx.credentials).toEqual([]);
  });

  it('launches nothing for an aborted signal, and leaves no credential', async () => {
    const { awx, launch } = setup();
    const error = await launch
      .run(plan([{ k: 'v' }]), AbortSignal.abort())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'Aborted' });
    expect(awx.launched).toEqual([]);
    expect(awx.credentials).toEqual([]);
  });
});
