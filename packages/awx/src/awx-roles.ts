/**
 * What the executor needs of AWX, one small interface per role. `AwxClient` fills every role;
 * a test hands the executor a fake of just the roles the code under test uses.
 */
import type { ExtraVars } from './extra-vars.js';
import type {
  Credential,
  CredentialRequest,
  CredentialType,
  CredentialTypeRequest,
  Job,
  JobEvent,
  JobTemplate,
  LaunchRequirements,
  LaunchResult,
  SurveyQuestion,
  WorkflowJob,
} from './schemas.js';
import type { LineSelection, OutputLines } from './stdout-reader.js';

export interface AwxRequestOptions {
  readonly signal?: AbortSignal | undefined;
}

/** What `cancelJob` found: AWX accepted the request, the job had already finished, or it is gone. */
export type CancelOutcome = 'requested' | 'finished' | 'absent';

export interface LaunchRequest {
  /** Sent as a JSON object; 64-bit integers keep every digit. */
  readonly extraVars: ExtraVars;
  /**
   * Credential ids for the job, left out of the request when undefined or empty. AWX layers
   * them onto the template's by credential type (UnifiedJobTemplate.create_unified_job), and
   * refuses with 400 a list lacking one of the template's without a replacement of its type
   * (JobLaunchSerializer; kubernaut #365): a list names the template's own too, and `[]` would
   * be refused for a template that has any.
   */
  readonly credentials?: readonly number[] | undefined;
  /** Seconds the job may run; AWX takes it only from a template with `ask_timeout_on_launch`. */
  readonly timeout?: number | undefined;
  /** Jobs to slice into; AWX takes it only from a template with `ask_job_slice_count_on_launch`. */
  readonly jobSliceCount?: number | undefined;
}

export interface JobQuery {
  readonly jobTemplate: number;
  /** Only jobs AWX created after this instant (AWX's clock). */
  readonly createdAfter: Date;
}

export interface CredentialFilter {
  readonly name?: string | undefined;
  readonly nameStartsWith?: string | undefined;
  readonly organization?: number | undefined;
  /** Only credentials with one of these ids. */
  readonly ids?: readonly number[] | undefined;
}

/** Whether AWX answers, and accepts the token: the executor's availability check. */
export interface AwxProbe {
  /** Where requests go, for messages. */
  readonly apiUrl: string;
  /** The user the token authenticates as. */
  me(options?: AwxRequestOptions): Promise<{ id: number; username: string }>;
}

export interface JobTemplateReader {
  /** The one job template with this exact name; AwxLookupError when there are none or several. */
  findJobTemplate(name: string, options?: AwxRequestOptions): Promise<JobTemplate>;
  /** The template's own credentials: a launch's list names each, or one of its type instead. */
  templateCredentials(templateId: number, options?: AwxRequestOptions): Promise<Credential[]>;
  /**
   * The questions of the template's survey (variable, type, choices, min, max); none when it
   * has no survey.
   */
  surveyQuestions(templateId: number, options?: AwxRequestOptions): Promise<SurveyQuestion[]>;
  /** What a launch of the template must bring: the passwords its credentials ask for. */
  launchRequirements(templateId: number, options?: AwxRequestOptions): Promise<LaunchRequirements>;
}

export interface JobLauncher {
  /**
   * Launches a job template. After an ambiguous failure (`AwxError.ambiguous`) AWX may have
   * launched it: look for the job before launching again. A template that slices launches a
   * workflow job instead: AwxWorkflowLaunchError, which names it.
   */
  launch(
    templateId: number,
    launch: LaunchRequest,
    options?: AwxRequestOptions,
  ): Promise<LaunchResult>;
}

/** One page of a job's saved events. */
export interface JobEventsPage {
  readonly events: JobEvent[];
  /** AWX has more past this page (its `next` is set): its page size may be below the one asked. */
  readonly more: boolean;
  /** The `page_size` this page was asked with: 1 when a page of more was too large to read. */
  readonly pageSize: number;
}

/**
 * Which of a job's events to read: a page of those after a counter, or the newest before one,
 * `pageSize` a page (AWX's default MAX_PAGE_SIZE unless given).
 */
export type JobEventsWindow = (
  | { readonly after: number | undefined }
  | { readonly newestBefore: number | undefined }
) & { readonly pageSize?: number | undefined };

export interface JobReader {
  /** The job, or `null` when AWX has no job with this id. */
  getJob(id: number, options?: AwxRequestOptions): Promise<Job | null>;
  /** The newest job of a template created after `createdAfter` that `matches` accepts, or `null`. */
  findJob(
    query: JobQuery,
    matches: (job: Job) => boolean,
    options?: AwxRequestOptions,
  ): Promise<Job | null>;
  /** The last `maxBytes` bytes of the job's plain-text output; `''` when the job is gone. */
  jobStdoutTail(id: number, maxBytes: number, options?: AwxRequestOptions): Promise<string>;
  /** The lines of the job's output that `selection` keeps; none when the job is gone. */
  jobStdoutLines(
    id: number,
    selection: LineSelection,
    options?: AwxRequestOptions,
  ): Promise<OutputLines>;
  /**
   * One page of the job's saved events in `window`, in the order it names, with their whole
   * `stdout`; none when the job is gone. A page too large to read is asked for again as one
   * event; when that one is too large too, AwxAnswerTooLargeError.
   */
  jobEvents(
    id: number,
    window: JobEventsWindow,
    options?: AwxRequestOptions,
  ): Promise<JobEventsPage>;
  /**
   * The lines the job's events through counter `through` numbered that its stdout download
   * does not show (those of bare newlines, saved with `stdout` ''); 0 when the job is gone.
   */
  unshownLines(id: number, through: number, options?: AwxRequestOptions): Promise<number>;
}

export interface WorkflowJobReader {
  /**
   * The newest workflow job a sliced launch of the template made after `createdAfter` that
   * `matches` accepts, or `null`.
   */
  findWorkflowJob(
    query: JobQuery,
    matches: (job: WorkflowJob) => boolean,
    options?: AwxRequestOptions,
  ): Promise<WorkflowJob | null>;
}

export interface WorkflowNodeReader {
  /**
   * The jobs a sliced launch's workflow job spawned, one per slice (`null` for a slice not
   * spawned yet), from its `workflow_nodes/`; `null` when AWX no longer has the workflow job.
   */
  workflowJobSlices(
    workflowJob: number,
    options?: AwxRequestOptions,
  ): Promise<(number | null)[] | null>;
}

export interface JobCanceler {
  /** Asks AWX to cancel the job; a job that already finished or is gone is not an error. */
  cancelJob(id: number, options?: AwxRequestOptions): Promise<CancelOutcome>;
  /** The same for a workflow job, which cancels the jobs it spawned. */
  cancelWorkflowJob(id: number, options?: AwxRequestOptions): Promise<CancelOutcome>;
}

export interface CredentialTypeStore {
  /** The credential type with this name and kind (unique in AWX), or `null`. */
  findCredentialType(
    name: string,
    kind: string,
    options?: AwxRequestOptions,
  ): Promise<CredentialType | null>;
  createCredentialType(
    type: CredentialTypeRequest,
    options?: AwxRequestOptions,
  ): Promise<CredentialType>;
}

export interface ManagedCredentialTypeReader {
  /** The type AWX manages itself under this namespace and kind, or `null`. */
  findManagedCredentialType(
    namespace: string,
    kind: string,
    options?: AwxRequestOptions,
  ): Promise<CredentialType | null>;
}

export interface CredentialStore {
  /** Credentials matching every given filter; never their inputs. */
  listCredentials(filter: CredentialFilter, options?: AwxRequestOptions): Promise<Credential[]>;
  /** Creates a credential; an error never repeats what AWX said about its inputs. */
  createCredential(credential: CredentialRequest, options?: AwxRequestOptions): Promise<Credential>;
  /** Deletes a credential; `false` when it was already gone. */
  deleteCredential(id: number, options?: AwxRequestOptions): Promise<boolean>;
}

/** Every role the AnsibleExecutor plays against AWX; an `AwxClient` is one. */
export type AnsibleExecutorAwx = AwxProbe &
  JobTemplateReader &
  JobLauncher &
  JobReader &
  WorkflowJobReader &
  WorkflowNodeReader &
  JobCanceler &
  CredentialTypeStore &
  ManagedCredentialTypeReader &
  CredentialStore;
