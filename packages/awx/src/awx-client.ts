import type { AwxClientOptions } from './awx-client-options.js';
import type {
  AnsibleExecutorAwx,
  AwxRequestOptions,
  CancelOutcome,
  CredentialFilter,
  JobEventsPage,
  JobEventsWindow,
  JobQuery,
  LaunchRequest,
} from './awx-roles.js';
import { AwxTransport } from './awx-transport.js';
import {
  CredentialsApi,
  type CredentialTypeFilter,
  CredentialTypesApi,
} from './credentials-api.js';
import { JobTemplatesApi } from './job-templates-api.js';
import { JobsApi } from './jobs-api.js';
import { OrganizationsApi } from './organizations-api.js';
import type {
  Credential,
  CredentialRequest,
  CredentialType,
  CredentialTypeRequest,
  Job,
  JobTemplate,
  LaunchRequirements,
  LaunchResult,
  Organization,
  SurveyQuestion,
  WorkflowJob,
} from './schemas.js';
import type { LineSelection, OutputLines } from './stdout-reader.js';
import { UsersApi } from './users-api.js';
import { WorkflowJobsApi } from './workflow-jobs-api.js';

/**
 * A client for AWX's (and the AAP controller's) REST API v2, and every role the AnsibleExecutor
 * needs of AWX. One transport (connection pool, timeouts, retries, paging, typed errors that
 * never carry the token or a credential input) serves the endpoint modules it delegates to.
 */
export class AwxClient implements AnsibleExecutorAwx {
  readonly #http: AwxTransport;
  readonly #users: UsersApi;
  readonly #organizations: OrganizationsApi;
  readonly #templates: JobTemplatesApi;
  readonly #jobs: JobsApi;
  readonly #workflowJobs: WorkflowJobsApi;
  readonly #credentialTypes: CredentialTypesApi;
  readonly #credentials: CredentialsApi;

  constructor(options: AwxClientOptions) {
    this.#http = new AwxTransport(options);
    this.#users = new UsersApi(this.#http);
    this.#organizations = new OrganizationsApi(this.#http);
    this.#templates = new JobTemplatesApi(this.#http);
    this.#jobs = new JobsApi(this.#http);
    this.#workflowJobs = new WorkflowJobsApi(this.#http);
    this.#credentialTypes = new CredentialTypesApi(this.#http);
    this.#credentials = new CredentialsApi(this.#http);
  }

  /** The API root requests go to, e.g. `https://aap.example.com/api/controller/v2/`. */
  get apiUrl(): string {
    return this.#http.apiUrl;
  }

  /** Closes the connection pool; the client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#http.close();
  }

  /** The user the token authenticates as. */
  me(options?: AwxRequestOptions): Promise<{ id: number; username: string }> {
    return this.#users.me(options);
  }

  /** The organization with this exact name (unique in AWX), e.g. to configure the executor. */
  findOrganization(name: string, options?: AwxRequestOptions): Promise<Organization> {
    return this.#organizations.findOrganization(name, options);
  }

  /** The one job template with this exact name; AwxLookupError when there are none or several. */
  findJobTemplate(name: string, options?: AwxRequestOptions): Promise<JobTemplate> {
    return this.#templates.findJobTemplate(name, options);
  }

  /** The template's own credentials, every page. */
  templateCredentials(templateId: number, options?: AwxRequestOptions): Promise<Credential[]> {
    return this.#templates.templateCredentials(templateId, options);
  }

  /**
   * The questions of the template's survey (variable, type, choices, min, max); none when it
   * has no survey.
   */
  surveyQuestions(templateId: number, options?: AwxRequestOptions): Promise<SurveyQuestion[]> {
    return this.#templates.surveyQuestions(templateId, options);
  }

  /** What a launch of the template must bring: the passwords its credentials ask for. */
  launchRequirements(templateId: number, options?: AwxRequestOptions): Promise<LaunchRequirements> {
    return this.#templates.launchRequirements(templateId, options);
  }

  /** The variables the template's survey asks for; none when it has no survey. */
  async surveyVariables(templateId: number, options?: AwxRequestOptions): Promise<string[]> {
    const questions = await this.#templates.surveyQuestions(templateId, options);
    return questions.map((question) => question.variable);
  }

  /**
   * Launches a job template. Repeated only when AWX cannot have acted on the failed attempt;
   * after an ambiguous failure (`AwxError.ambiguous`) the caller must look for the job before
   * launching again.
   */
  launch(
    templateId: number,
    launch: LaunchRequest,
    options?: AwxRequestOptions,
  ): Promise<LaunchResult> {
    return this.#templates.launch(templateId, launch, options);
  }

  /** The job, or `null` when AWX has no job with this id. */
  getJob(id: number, options?: AwxRequestOptions): Promise<Job | null> {
    return this.#jobs.getJob(id, options);
  }

  /**
   * The newest job of a template created after `createdAfter` that `matches` accepts, or
   * `null`, read page by page, newest first.
   */
  findJob(
    query: JobQuery,
    matches: (job: Job) => boolean,
    options?: AwxRequestOptions,
  ): Promise<Job | null> {
    return this.#jobs.findJob(query, matches, options);
  }

  /**
   * The newest workflow job a sliced launch of the template made after `createdAfter` that
   * `matches` accepts, or `null`, read page by page, newest first.
   */
  findWorkflowJob(
    query: JobQuery,
    matches: (job: WorkflowJob) => boolean,
    options?: AwxRequestOptions,
  ): Promise<WorkflowJob | null> {
    return this.#workflowJobs.findWorkflowJob(query, matches, options);
  }

  /** The job each slice of a sliced launch's workflow job spawned (`null`: not yet). */
  workflowJobSlices(
    workflowJob: number,
    options?: AwxRequestOptions,
  ): Promise<(number | null)[] | null> {
    return this.#workflowJobs.workflowJobSlices(workflowJob, options);
  }

  /** The last `maxBytes` bytes of the job's plain-text output; `''` when the job is gone. */
  jobStdoutTail(id: number, maxBytes: number, options?: AwxRequestOptions): Promise<string> {
    return this.#jobs.jobStdoutTail(id, maxBytes, options);
  }

  /** The lines of the job's output that `selection` keeps, and how many it has in all. */
  jobStdoutLines(
    id: number,
    selection: LineSelection,
    options?: AwxRequestOptions,
  ): Promise<OutputLines> {
    return this.#jobs.jobStdoutLines(id, selection, options);
  }

  /** A page of the job's saved events in `window`, with their whole `stdout`. */
  jobEvents(
    id: number,
    window: JobEventsWindow,
    options?: AwxRequestOptions,
  ): Promise<JobEventsPage> {
    return this.#jobs.jobEvents(id, window, options);
  }

  /** The lines the job's events through counter `through` numbered that its download leaves out. */
  unshownLines(id: number, through: number, options?: AwxRequestOptions): Promise<number> {
    return this.#jobs.unshownLines(id, through, options);
  }

  /** Asks AWX to cancel the job; a finished job (AWX answers 405) is `finished`, not an error. */
  cancelJob(id: number, options?: AwxRequestOptions): Promise<CancelOutcome> {
    return this.#jobs.cancelJob(id, options);
  }

  /** Asks AWX to cancel a workflow job and the jobs it spawned; finished or gone is no error. */
  cancelWorkflowJob(id: number, options?: AwxRequestOptions): Promise<CancelOutcome> {
    return this.#workflowJobs.cancelWorkflowJob(id, options);
  }

  /** Credential types matching every given filter, every page. */
  listCredentialTypes(
    filter: CredentialTypeFilter,
    options?: AwxRequestOptions,
  ): Promise<CredentialType[]> {
    return this.#credentialTypes.listCredentialTypes(filter, options);
  }

  /** The credential type with this name and kind (unique in AWX), or `null`. */
  findCredentialType(
    name: string,
    kind: string,
    options?: AwxRequestOptions,
  ): Promise<CredentialType | null> {
    return this.#credentialTypes.findCredentialType(name, kind, options);
  }

  findManagedCredentialType(
    namespace: string,
    kind: string,
    options?: AwxRequestOptions,
  ): Promise<CredentialType | null> {
    return this.#credentialTypes.findManagedCredentialType(namespace, kind, options);
  }

  createCredentialType(
    type: CredentialTypeRequest,
    options?: AwxRequestOptions,
  ): Promise<CredentialType> {
    return this.#credentialTypes.createCredentialType(type, options);
  }

  /** Credentials matching every given filter, every page; never their inputs. */
  listCredentials(filter: CredentialFilter, options?: AwxRequestOptions): Promise<Credential[]> {
    return this.#credentials.listCredentials(filter, options);
  }

  /** Creates a credential; an error never repeats what AWX said about its inputs. */
  createCredential(
    credential: CredentialRequest,
    options?: AwxRequestOptions,
  ): Promise<Credential> {
    return this.#credentials.createCredential(credential, options);
  }

  /** Deletes a credential; `false` when it was already gone. */
  deleteCredential(id: number, options?: AwxRequestOptions): Promise<boolean> {
    return this.#credentials.deleteCredential(id, options);
  }
}
