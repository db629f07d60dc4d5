/**
 * In-memory stand-ins for AWX and the lock, and the template and execution they launch, for unit
 * tests of the launch and its rollback. Not shipped: the build leaves out `*.test-support.ts`.
 */
import type { WorkflowExecution } from '@roundhouse/core';
import { AwxApiError, AwxWorkflowLaunchError } from './awx-errors.js';
import type {
  CancelOutcome,
  CredentialFilter,
  CredentialStore,
  CredentialTypeStore,
  JobCanceler,
  JobLauncher,
  JobReader,
  JobTemplateReader,
  LaunchRequest,
  WorkflowJobReader,
  WorkflowNodeReader,
} from './awx-roles.js';
import type { LockWriter } from './create-attempt.js';
import { LockLostError } from './execution-errors.js';
import { executionIdentity } from './execution-identity.js';
import { type LaunchLock, type LaunchRecord, LaunchRecordSchema } from './launch-record.js';
import type {
  Credential,
  CredentialRequest,
  CredentialType,
  CredentialTypeRequest,
  Job,
  JobTemplate,
  SurveyQuestion,
  WorkflowJob,
} from './schemas.js';

/** A template that prompts for variables and credentials, neither slicing nor surveying. */
export const restartTemplate: JobTemplate = {
  id: 3,
  name: 'restart',
  organization: 1,
  ask_variables_on_launch: true,
  ask_credential_on_launch: true,
  ask_timeout_on_launch: false,
  job_slice_count: 1,
  ask_job_slice_count_on_launch: false,
  survey_enabled: false,
};

/** An execution of the restart workflow, launching `restartTemplate`. */
export const restartExecution: WorkflowExecution = {
  metadata: { name: 'restart-api', namespace: 'team-a', uid: 'u-1' },
  spec: {
    workflowRef: {
      workflowId: 'restart',
      version: '1',
      executionBundle: 'quay.io/acme/restart:1',
      engineConfig: { jobTemplateName: 'restart', playbookPath: 'playbooks/restart.yml' },
    },
    targetResource: 'default/deployment/my-app',
    executionEngine: 'ansible',
  },
};

/** `restartExecution`'s identity: team-a/restart-api/u-1. */
export const restartIdentity = executionIdentity(restartExecution);

/** A credential type as AWX returns it once it created it from `request`. */
export function storedCredentialType(request: CredentialTypeRequest, id: number): CredentialType {
  return {
    id,
    name: request.name,
    kind: request.kind,
    managed: false,
    inputs: {
      fields: (request.inputs.fields ?? []).map((f) => ({
        id: f.id,
        label: f.label,
        type: f.type ?? 'string',
        secret: f.secret ?? false,
      })),
      required: request.inputs.required ?? [],
    },
    injectors: request.injectors,
  };
}

/** Just enough of AWX for a launch: how `launch` and lookups answer is set per test. */
export class FakeAwx
  implements
    JobTemplateReader,
    JobLauncher,
    JobReader,
    WorkflowJobReader,
    WorkflowNodeReader,
    JobCanceler,
    CredentialStore,
    CredentialTypeStore
{
  constructor(public template: JobTemplate) {}
  jobs: Job[] = [];
  credentials: Credential[] = [];
  templateOwn: Credential[] = [];
  /** The questions of the template's survey. */
  survey: SurveyQuestion[] = [];
  surveyReads = 0;
  /** The passwords the template's credentials ask for at launch. */
  passwordsNeeded: string[] = [];
  /** The variables the template's survey requires. */
  variablesNeeded: string[] = [];
  /** The template has no inventory. */
  inventoryNeeded = false;
  launched: LaunchRequest[] = [];
  canceled: number[] = [];
  canceledWorkflows: number[] = [];
  runningWorkflows = new Set<number>();
  #endedWorkflows = new Set<number>();
  /** The template slices: launch answers with this workflow job instead of a job. */
  workflowJob: number | undefined;
  /** The workflow jobs sliced launches made. */
  workflowJobs: WorkflowJob[] = [];
  /** A sliced launch whose answer is lost: its workflow job spawned its slices before the lookup. */
  slicesSpawned = true;
  ignoredFields: Record<string, unknown> = {};
  /** Thrown by launch; with `launchesAnyway`, after AWX created the job. */
  launchError: Error | undefined;
  launchesAnyway = false;
  /** Thrown by every job lookup. */
  lookupError: Error | undefined;
  #nextId = 50;

  async findJobTemplate() {
    return this.template;
  }
  async templateCredentials(templateId: number) {
    this.#exists(templateId, 'credentials/');
    return this.templateOwn;
  }
  async surveyQuestions(templateId: number) {
    this.#exists(templateId, 'survey_spec/');
    this.surveyReads += 1;
    return this.survey;
  }
  async launchRequirements(templateId: number) {
    this.#exists(templateId, 'launch/');
    return {
      passwords_needed_to_start: this.passwordsNeeded,
      variables_needed_to_start: this.variablesNeeded,
      inventory_needed_to_start: this.inventoryNeeded,
    };
  }
  /** AWX answers 404 for every view of a template that is gone, e.g. replaced under its name. */
  #exists(templateId: number, view: string, method = 'GET') {
    if (templateId === this.template.id) return;
    const endpoint = `${method} job_templates/${templateId}/${view}`;
    throw new AwxApiError(endpoint, 404, 'Not found.', [], undefined);
  }
  async launch(templateId: number, request: LaunchRequest) {
    this.launched.push(request);
    this.#exists(templateId, 'launch/', 'POST');
    if (this.launchError && !this.launchesAnyway) throw this.launchError;
    if (this.workflowJob !== undefined) {
      if (this.launchError) {
        const extraVars = JSON.stringify(request.extraVars);
        this.workflowJobs.push({ id: this.workflowJob, status: 'running', extra_vars: extraVars });
        if (this.slicesSpawned) {
          this.jobs.push(
            this.slicedJob(request, this.workflowJob),
            this.slicedJob(request, this.workflowJob),
          );
        }
        throw this.launchError;
      }
      throw new AwxWorkflowLaunchError(
        `POST job_templates/${templateId}/launch/`,
        this.workflowJob,
      );
    }
    const job = this.#job(request);
    this.jobs.push(job);
    if (this.launchError) throw this.launchError;
    return { job: job.id, ignored_fields: this.ignoredFields };
  }
  /**
   * A job that workflow job `workflowJob` of a sliced launch spawned: AWX gives each slice the
   * launch's extra_vars and credentials (WorkflowJobNode.get_job_kwargs).
   */
  slicedJob(request: LaunchRequest, workflowJob: number): Job {
    const job = this.#job(request);
    return {
      ...job,
      launch_type: 'workflow',
      summary_fields: { ...job.summary_fields, source_workflow_job: { id: workflowJob } },
    };
  }
  #ignoredVariables(): object {
    const ignored = this.ignoredFields.extra_vars;
    return typeof ignored === 'object' && ignored !== null ? ignored : {};
  }
  #job(request: LaunchRequest): Job {
    return {
      id: this.#nextId++,
      status: 'pending',
      job_template: this.template.id,
      created: new Date().toISOString(),
      // AWX gives the job none of the variables it ignored.
      extra_vars: JSON.stringify(
        Object.fromEntries(
          Object.entries(request.extraVars).filter(
            ([name]) => !Object.hasOwn(this.#ignoredVariables(), name),
          ),
        ),
      ),
      job_explanation: '',
      timeout: request.timeout ?? 0,
      elapsed: 0,
      summary_fields: {
        credentials: (request.credentials ?? []).map((id) => ({ id, name: `c${id}` })),
      },
    };
  }
  async getJob(id: number) {
    return this.jobs.find((j) => j.id === id) ?? null;
  }
  async findJob(_query: unknown, matches: (job: Job) => boolean) {
    if (this.lookupError) throw this.lookupError;
    return this.jobs.find(matches) ?? null;
  }
  async findWorkflowJob(_query: unknown, matches: (job: WorkflowJob) => boolean) {
    if (this.lookupError) throw this.lookupError;
    return this.workflowJobs.find(matches) ?? null;
  }
  async jobStdoutTail() {
    return '';
  }
  async jobStdoutLines() {
    return { lines: [], total: 0 };
  }
  async jobEvents() {
    return { events: [], more: false, pageSize: 200 };
  }
  async unshownLines() {
    return 0;
  }
  async cancelJob(id: number): Promise<CancelOutcome> {
    this.canceled.push(id);
    return 'requested';
  }
  /**
   * As AWX cancels a workflow job: at once one that had not started; a running one (in
   * `runningWorkflows`) only once its spawned jobs ended, which a test says by removing it.
   */
  async cancelWorkflowJob(id: number) {
    this.canceledWorkflows.push(id);
    if (this.#endedWorkflows.has(id)) return 'finished' as const;
    if (!this.runningWorkflows.has(id)) this.#endedWorkflows.add(id);
    return 'requested' as const;
  }
  async workflowJobSlices() {
    return [];
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
    // AWX drops a deleted credential from the jobs that had it.
    this.jobs = this.jobs.map((job) => ({
      ...job,
      summary_fields: {
        ...job.summary_fields,
        credentials: (job.summary_fields?.credentials ?? []).filter((c) => c.id !== id),
      },
    }));
    return true;
  }
}

/** The lock's record in memory, with the API server's rule: a write must name the last version. */
export class FakeLock implements LockWriter {
  record: LaunchRecord | null = { credentials: [], finished: false };
  #version = 1;

  lock(): LaunchLock {
    return {
      metadata: { name: 'wfe-0123', namespace: 'ns', resourceVersion: String(this.#version) },
    };
  }
  async write(lock: LaunchLock, record: LaunchRecord) {
    this.#check(lock);
    this.#version++;
    this.record = LaunchRecordSchema.parse(record);
    return { lock: this.lock(), record: this.record };
  }
  async release(lock: LaunchLock) {
    this.#check(lock);
    this.record = null;
  }
  /** Another call writes: this attempt's next write fails. */
  takeOver() {
    this.#version++;
  }
  #check(lock: LaunchLock) {
    if (this.record === null || lock.metadata?.resourceVersion !== String(this.#version)) {
      throw new LockLostError('wfe-0123');
    }
  }
}
