/**
 * Jobs and their life: `pending -> waiting -> running -> successful | failed | error`, driven by
 * a per-template schedule, and `canceled` on request. The transitions are pure functions of a
 * job and the time; the store only arms timers for them. Cancel follows AWX's
 * `UnifiedJob.cancel` (unified_jobs.py:1483): a job the dispatcher has not been given
 * (`new`, `pending`) is canceled at once; one it has (`waiting`, `running`: the task manager
 * gave it a celery_task_id as it made it waiting, task_manager.py:488-524) is only flagged, as
 * the dispatcher acknowledges the cancel and AWX leaves the status to the job's own task
 * (unified_jobs.py:1503-1511), which ends it `canceled` a little later; a finished one cannot be
 * canceled (405).
 * Past 350 lines, as the other resource modules: the job's record, its transitions and its
 * serialisation in AWX's fields are one resource.
 */
import { z } from 'zod';
import type { UserRef } from './access.js';
import type { Model } from './filters.js';
import type { Injection } from './injection.js';
import { detail, json, type Reply } from './replies.js';
import { displayExtraVars } from './survey-answers.js';
import { formatTimestamp, type Micros } from './timestamps.js';
import type { JobCapabilities } from './user-capabilities.js';
import { authorLinks, authorSummaries } from './users.js';

export const JOB_OUTCOMES = ['successful', 'failed', 'error'] as const;

/** How a template's jobs behave; every duration is in milliseconds. */
export const jobScheduleSchema = z
  .object({
    pendingMs: z.number().int().min(0).default(50),
    waitingMs: z.number().int().min(0).default(0),
    runningMs: z.number().int().min(0).default(100),
    /**
     * How long a job the dispatcher holds (`waiting` or `running`) takes to end after a cancel
     * request: a waiting one ends without ever running (RunJob.run, jobs.py:473-477).
     */
    cancelMs: z.number().int().min(0).default(20),
    outcome: z.enum(JOB_OUTCOMES).default('successful'),
    /** Lines of stdout; a short Ansible-like transcript matching the outcome when absent. */
    stdout: z.array(z.string()).optional(),
    /**
     * The indexes in `stdout` of events that printed only a line break, their entry ''. Ansible's
     * output splits into events at each line end, and ansible-runner saves a bare `\r\n` as
     * `stdout` '' numbered one line (OutputEventFilter._emit_event: `stdout_chunk[:-2] if
     * len(stdout_chunk) > 2 else ""`, `end_line` past `start_line` by the chunk's newlines); an
     * entry '' not named here printed nothing (`end_line` equals `start_line`).
     */
    bareNewlines: z.array(z.number().int().min(0)).optional(),
    jobExplanation: z.string().default(''),
    /**
     * The `result_traceback` of a run that does not succeed: what BaseTask.run saves of an
     * exception, or of the worker's last output when it emitted no events.
     */
    resultTraceback: z.string().default(''),
    /**
     * How long after the job ends AWX's callback receiver is still saving its events. Until then
     * `event_processing_finished` is false and stdout, built only from saved events, lacks the
     * second half of the lines (from the start of the run: the receiver lags behind it).
     */
    eventsLagMs: z.number().int().min(0).default(0),
  })
  .refine(
    (schedule) => (schedule.bareNewlines ?? []).every((index) => schedule.stdout?.[index] === ''),
    { path: ['bareNewlines'], message: "names an event whose stdout entry is not ''" },
  );

export type JobSchedule = z.output<typeof jobScheduleSchema>;
export type JobScheduleInput = z.input<typeof jobScheduleSchema>;

export const JOB_STATUSES = [
  'new',
  'pending',
  'waiting',
  'running',
  'successful',
  'failed',
  'error',
  'canceled',
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

// awx/main/models/unified_jobs.py CAN_CANCEL.
const CAN_CANCEL: ReadonlySet<JobStatus> = new Set(['new', 'pending', 'waiting', 'running']);
const FAILED: ReadonlySet<JobStatus> = new Set(['failed', 'error', 'canceled']);

export interface Job {
  readonly id: number;
  readonly name: string;
  readonly jobTemplate: number;
  readonly organization: number;
  readonly status: JobStatus;
  readonly created: Micros;
  readonly modified: Micros;
  readonly started: Micros | null;
  readonly finished: Micros | null;
  readonly jobExplanation: string;
  /**
   * `json.dumps` text of the merged extra vars, as the playbook gets them: AWX stores survey
   * password answers encrypted, the simulator in clear, and both show them as `$encrypted$`.
   */
  readonly extraVars: string;
  /** The template survey's password variables (AWX's `survey_passwords`), masked in views. */
  readonly surveyPasswords: readonly string[];
  readonly credentials: readonly number[];
  /** Seconds the job may run (the template's, or the launch's when prompted); 0 is no limit. */
  readonly timeout: number;
  readonly cancelFlag: boolean;
  /** When the cancel flag was saved (UnifiedJob.save, unified_jobs.py:925), though it runs on. */
  readonly canceledOn: Micros | null;
  readonly launchedBy: UserRef;
  /**
   * Its modified_by: whoever launched it while AWX has not started it, none from then on. The
   * task manager's start_task sets the job's instance_group, an editable field, and saves it
   * outside any request, so PrimordialModel.save puts no user there; a slice, made by the
   * workflow manager, never has one.
   */
  readonly modifiedBy: UserRef | null;
  readonly schedule: JobSchedule;
  /** What the job's credentials put in its environment, secrets masked; set when it starts. */
  readonly jobEnv: Readonly<Record<string, string>>;
  /** Why the job failed before it could run, as AWX's task logs it. */
  readonly resultTraceback: string;
  /** `workflow` for a slice a sliced launch's workflow job spawned, else `manual`. */
  readonly launchType: 'manual' | 'workflow';
  /** The inventory slice it runs on, from 1; 0 for a job that is no slice. */
  readonly sliceNumber: number;
  /** How many slices its launch made; 1 for a job that is no slice. */
  readonly sliceCount: number;
  /** The workflow job that spawned it (its WorkflowJobNode's), or `null`. */
  readonly sourceWorkflowJob: number | null;
  /**
   * The template's `allow_simultaneous` (a JobOptions field the job copies), or true for a slice
   * (WorkflowJobNode.get_job_kwargs lets it run beside its siblings).
   */
  readonly allowSimultaneous: boolean;
}

/** What starting a job met: a credential without a required input, or one AWX cannot inject. */
export interface StartCheck {
  readonly blocker?: string | undefined;
  readonly injection?: Injection | undefined;
}

export function canCancel(job: Job): boolean {
  return CAN_CANCEL.has(job.status);
}

/** Not started yet: AWX builds a job's environment from its credentials when it starts. */
export function isUnstarted(job: Job): boolean {
  return job.status === 'new' || job.status === 'pending' || job.status === 'waiting';
}

// awx/main/tasks/jobs.py get_instance_timeout: a negative timeout means none, and zero falls
// back to the global DEFAULT_JOB_TIMEOUT, which is 0 (none) in the simulator.
function timeoutMs(job: Job): number {
  return job.timeout > 0 ? job.timeout * 1000 : 0;
}

/** Whether the playbook would outlast the job's timeout, so AWX stops it first. */
function timesOut(job: Job): boolean {
  const limit = timeoutMs(job);
  return limit > 0 && limit < job.schedule.runningMs;
}

/** Milliseconds until the job's next transition, or `undefined` once it is finished. */
export function nextTransitionDelay(job: Job): number | undefined {
  switch (job.status) {
    case 'new':
    case 'pending':
      return job.schedule.pendingMs;
    case 'waiting':
    case 'running':
      if (job.cancelFlag) return job.schedule.cancelMs;
      if (job.status === 'waiting') return job.schedule.waitingMs;
      return timesOut(job) ? timeoutMs(job) : job.schedule.runningMs;
    default:
      return undefined;
  }
}

function finish(job: Job, status: JobStatus, now: Micros, jobExplanation: string): Job {
  return { ...job, status, finished: now, modified: now, jobExplanation };
}

/**
 * The job after its next transition. A `blocker` (a credential lacking a required input) makes
 * AWX's task manager fail it before it runs; a failed `injection` makes the task that starts it
 * end it as `error`, with the traceback and no explanation (BaseTask.run).
 */
export function advance(job: Job, now: Micros, start: StartCheck = {}): Job {
  switch (job.status) {
    case 'new':
    case 'pending':
      // start_task gives it an instance group before pre_start is asked (modifiedBy).
      if (start.blocker) return { ...finish(job, 'failed', now, start.blocker), modifiedBy: null };
      // UnifiedJob.pre_start drops what the task manager wrote while the job was pending.
      return { ...job, status: 'waiting', modified: now, jobExplanation: '', modifiedBy: null };
    case 'waiting': {
      // RunJob.run finds the flag saved before it marks the job running, and ends it there.
      if (job.cancelFlag) return finish(job, 'canceled', now, job.jobExplanation);
      const started = { ...job, status: 'running' as const, started: now, modified: now };
      if (start.injection && !start.injection.ok) {
        const explanation = start.injection.explanation ?? '';
        return {
          ...finish(started, 'error', now, explanation),
          resultTraceback: start.injection.traceback,
          jobEnv: start.injection.env ?? {},
        };
      }
      return { ...started, jobEnv: start.injection?.env ?? {} };
    }
    case 'running':
      if (job.cancelFlag) return finish(job, 'canceled', now, job.jobExplanation);
      // RunJob.run: ansible-runner's `timeout` status becomes `failed` with this explanation.
      // The runner stops it no sooner than the timeout, whenever the timer fired.
      if (timesOut(job)) {
        const stopped = Math.max(now, (job.started ?? now) + timeoutMs(job) * 1000);
        return finish(job, 'failed', stopped, 'Job terminated due to timeout');
      }
      if (job.schedule.outcome === 'successful') {
        return finish(job, 'successful', now, job.schedule.jobExplanation);
      }
      return {
        ...finish(job, job.schedule.outcome, now, job.schedule.jobExplanation),
        resultTraceback: job.schedule.resultTraceback,
      };
    default:
      return job;
  }
}

/**
 * UnifiedJobDeletionMixin.destroy, once access is granted: a job AWX may still run is refused
 * (`new` aside, as such a job can be made by hand), and so is one finished less than a minute
 * ago whose events are still being saved; later, AWX takes them as lost and deletes it.
 */
export function deletionRefusal(job: Job, now: Micros): Reply | undefined {
  if (canCancel(job) && job.status !== 'new') {
    return detail(403, 'Cannot delete running job resource.');
  }
  if (!eventsFinished(job, now) && job.finished !== null && now < job.finished + 60_000_000) {
    return json(400, { error: 'Job has not finished processing events.' });
  }
  return undefined;
}

/** `POST cancel/`: `undefined` when the job cannot be canceled any more (AWX answers 405). */
export function requestCancel(job: Job, now: Micros): Job | undefined {
  if (!canCancel(job)) return undefined;
  // AWX answers 202 again but changes nothing once the flag is set (UnifiedJob.cancel).
  if (job.cancelFlag) return job;
  const flagged = { ...job, cancelFlag: true, canceledOn: now, modified: now };
  if (job.status === 'waiting' || job.status === 'running') return flagged;
  return finish(flagged, 'canceled', now, job.jobExplanation);
}

function transcript(job: Job): readonly string[] {
  if (job.schedule.stdout) return job.schedule.stdout;
  const failed = job.schedule.outcome !== 'successful';
  return [
    '',
    `PLAY [${job.name}] ${'*'.repeat(40)}`,
    '',
    `TASK [simulated task] ${'*'.repeat(36)}`,
    failed
      ? 'fatal: [localhost]: FAILED! => {"changed": false, "msg": "simulated failure"}'
      : 'ok: [localhost]',
    '',
    `PLAY RECAP ${'*'.repeat(47)}`,
    `localhost                  : ok=${failed ? 0 : 1}    changed=0    unreachable=0    failed=${failed ? 1 : 0}`,
  ];
}

/**
 * UnifiedJob.event_processing_finished: false while the job may run (the tally of its events is
 * only known at the end), then until every emitted event is saved.
 */
export function eventsFinished(job: Job, now: Micros): boolean {
  if (job.finished === null) return false;
  return now >= job.finished + job.schedule.eventsLagMs * 1000;
}

/**
 * The `stdout` of the job's saved events, one line each: nothing before the job starts, its
 * transcript once every event is saved, and only its first half while some are not.
 */
export function stdoutEvents(job: Job, now: Micros): readonly string[] {
  if (job.started === null) return [];
  const lines = transcript(job);
  const lagging = job.schedule.eventsLagMs > 0 && !eventsFinished(job, now);
  return lagging ? lines.slice(0, Math.floor(lines.length / 2)) : lines;
}

/**
 * UnifiedJob.save stores `elapsed` at finish, in seconds to the millisecond; until then
 * UnifiedJobSerializer counts it live from `started`, to the microsecond.
 */
function elapsedSeconds(job: Job, now: Micros): number {
  if (job.started === null) return 0;
  if (job.finished === null) return (now - job.started) / 1_000_000;
  return Math.round((job.finished - job.started) / 1000) / 1000;
}

export const jobModel: Model<Job> = {
  objectName: 'Job',
  ordering: ['id'],
  fields: {
    id: { kind: 'int', value: (j) => j.id },
    name: { kind: 'char', value: (j) => j.name },
    description: { kind: 'char', value: () => '' },
    status: { kind: 'char', value: (j) => j.status },
    failed: { kind: 'bool', value: (j) => FAILED.has(j.status) },
    job_template: { kind: 'fk', value: (j) => j.jobTemplate },
    unified_job_template: { kind: 'fk', value: (j) => j.jobTemplate },
    organization: { kind: 'fk', value: (j) => j.organization },
    launch_type: { kind: 'char', value: (j) => j.launchType },
    job_type: { kind: 'char', value: () => 'run' },
    job_slice_number: { kind: 'int', value: (j) => j.sliceNumber },
    job_slice_count: { kind: 'int', value: (j) => j.sliceCount },
    created: { kind: 'datetime', value: (j) => j.created },
    modified: { kind: 'datetime', value: (j) => j.modified },
    started: { kind: 'datetime', value: (j) => j.started },
    finished: { kind: 'datetime', value: (j) => j.finished },
    job_explanation: { kind: 'char', value: (j) => j.jobExplanation },
    extra_vars: {
      kind: 'char',
      value: (j) => j.extraVars,
      forbidden: 'Filtering on extra_vars is not allowed.',
    },
  },
};

export interface JobContext {
  readonly templateName: string;
  readonly credentials: readonly Record<string, unknown>[];
  /** A job's own view (JobSerializer) rather than a row of `jobs/` (JobListSerializer). */
  readonly detail: boolean;
  /** What the requesting user may do with the job (JobAccess). */
  readonly capabilities: JobCapabilities;
  readonly now: Micros;
  /**
   * UnifiedJobSerializer's `summary_fields.source_workflow_job` of a slice: the workflow job's
   * id, name, description, status, failed, elapsed and, once canceled, canceled_on.
   */
  readonly sourceWorkflowJob?: Record<string, unknown> | undefined;
}

export function serializeJob(
  job: Job,
  context: JobContext,
  prefix: string,
): Record<string, unknown> {
  const url = `${prefix}jobs/${job.id}/`;
  // A slice's created_by is its workflow job's (WorkflowJobNode.get_job_kwargs).
  const authors = { createdBy: job.launchedBy, modifiedBy: job.modifiedBy };
  return {
    id: job.id,
    type: 'job',
    url,
    related: {
      ...authorLinks(authors, prefix),
      credentials: `${url}credentials/`,
      job_template: `${prefix}job_templates/${job.jobTemplate}/`,
      organization: `${prefix}organizations/${job.organization}/`,
      unified_job_template: `${prefix}job_templates/${job.jobTemplate}/`,
      stdout: `${url}stdout/`,
      cancel: `${url}cancel/`,
      relaunch: `${url}relaunch/`,
      ...(job.sourceWorkflowJob === null
        ? {}
        : { source_workflow_job: `${prefix}workflow_jobs/${job.sourceWorkflowJob}/` }),
    },
    summary_fields: {
      organization: { id: job.organization },
      job_template: { id: job.jobTemplate, name: context.templateName, description: '' },
      unified_job_template: {
        id: job.jobTemplate,
        name: context.templateName,
        description: '',
        unified_job_type: 'job',
      },
      ...authorSummaries(authors),
      user_capabilities: context.capabilities,
      ...(job.launchType === 'workflow'
        ? { source_workflow_job: context.sourceWorkflowJob ?? {} }
        : {}),
      // JobSerializer's, after UnifiedJobSerializer's.
      credentials: context.credentials,
    },
    created: formatTimestamp(job.created),
    modified: formatTimestamp(job.modified),
    name: job.name,
    description: '',
    job_type: 'run',
    inventory: 1,
    project: 1,
    playbook: 'site.yml',
    scm_branch: '',
    forks: 0,
    limit: '',
    verbosity: 0,
    extra_vars: displayExtraVars(job.extraVars, job.surveyPasswords),
    job_tags: '',
    force_handlers: false,
    skip_tags: '',
    start_at_task: '',
    timeout: job.timeout,
    use_fact_cache: false,
    organization: job.organization,
    unified_job_template: job.jobTemplate,
    launch_type: job.launchType,
    status: job.status,
    execution_environment: null,
    failed: FAILED.has(job.status),
    started: formatTimestamp(job.started),
    finished: formatTimestamp(job.finished),
    canceled_on: formatTimestamp(job.canceledOn),
    elapsed: elapsedSeconds(job, context.now),
    job_explanation: job.jobExplanation,
    execution_node: job.started === null ? '' : 'awx-simulator',
    controller_node: job.started === null ? '' : 'awx-simulator',
    launched_by: {
      id: job.launchedBy.id,
      name: job.launchedBy.username,
      type: 'user',
      url: `${prefix}users/${job.launchedBy.id}/`,
    },
    work_unit_id: null,
    job_template: job.jobTemplate,
    passwords_needed_to_start: [],
    allow_simultaneous: job.allowSimultaneous,
    artifacts: {},
    scm_revision: '',
    instance_group: null,
    diff_mode: false,
    job_slice_number: job.sliceNumber,
    job_slice_count: job.sliceCount,
    webhook_service: '',
    webhook_credential: null,
    webhook_guid: '',
    // UnifiedJobListSerializer leaves these out of lists.
    ...(context.detail
      ? {
          job_env: job.jobEnv,
          result_traceback: job.resultTraceback,
          event_processing_finished: eventsFinished(job, context.now),
        }
      : {}),
  };
}
