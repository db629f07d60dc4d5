/**
 * The parts of AWX's REST API v2 bodies this package reads and writes. Every response is parsed
 * with one of these schemas, so a body of an unexpected shape fails loudly where it arrives
 * instead of deep inside the executor. Unknown fields are dropped: the parsed values never carry
 * more than the code reads (credential `inputs` in particular are never kept).
 */
import { z } from 'zod';

const id = z.number().int().positive();

/**
 * AWX's list envelope; the client follows `next` until it is null, as far as `count` says the
 * list goes. AWX sends `count` on every page: only `count_disabled` and the events' `limit`,
 * which the client never asks for, leave it out.
 */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    count: z.number().int().nonnegative(),
    next: z.string().nullable(),
    results: z.array(item),
  });
}

export const JobTemplateSchema = z.object({
  id,
  name: z.string(),
  organization: z.number().int().nullable(),
  /**
   * The template's project, `null` once it was deleted (SET_NULL): AWX refuses every launch of
   * it (resources_needed_to_start). Absent, as a derivative might leave it, it is not checked.
   */
  project: z.number().int().nullable().optional(),
  /** "Prompt on launch" for Variables: without it AWX ignores launch-time extra_vars. */
  ask_variables_on_launch: z.boolean(),
  /** "Prompt on launch" for Credentials: without it AWX ignores launch-time credentials. */
  ask_credential_on_launch: z.boolean(),
  /** "Prompt on launch" for Timeout (AWX 21+; absent before, which means no). */
  ask_timeout_on_launch: z.boolean().default(false),
  /** "Job Slicing": above 1, a launch makes a workflow of sliced jobs, not one job. */
  job_slice_count: z.number().int().default(1),
  /** "Prompt on launch" for Job Slicing (AWX 21+; absent before, which means no). */
  ask_job_slice_count_on_launch: z.boolean().default(false),
  /**
   * A survey on: AWX takes its variables at launch even when Variables are not prompted, and
   * checks every answer against its questions whatever the template prompts for.
   */
  survey_enabled: z.boolean().default(false),
  /**
   * What AWX lets the token's user do with the template (JobTemplateSerializer.show_capabilities,
   * BaseAccess.get_user_capabilities): `start` is false when `POST launch/` would be refused 403
   * (no Execute, a token of Read scope) or the template has no project or inventory. Absent where
   * a view or a derivative leaves it out, which says nothing.
   */
  summary_fields: z
    .object({
      user_capabilities: z.object({ start: z.boolean().optional() }).optional(),
    })
    .optional(),
});

export type JobTemplate = z.infer<typeof JobTemplateSchema>;

/** A survey question's `min` or `max`: AWX saves an integer or null; older specs may hold text. */
const surveyLimit = z.union([z.number(), z.string()]).nullish();

/**
 * A survey question, with what AWX checks a launch's answer by (_survey_element_validation in
 * awx/main/models/mixins.py). AWX refuses a spec without `variable` and `type` when it is saved.
 */
export const SurveyQuestionSchema = z.object({
  variable: z.string(),
  /** text, textarea, password, integer, float, multiplechoice or multiselect. */
  type: z.string(),
  /** multiplechoice and multiselect: one choice a line as AWX saves them, or a list. */
  choices: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).nullish(),
  /** The least and greatest value (integer, float) or length (text, textarea, password). */
  min: surveyLimit,
  max: surveyLimit,
});

export type SurveyQuestion = z.infer<typeof SurveyQuestionSchema>;

/** `GET job_templates/{id}/survey_spec/`; `{}` for a template that never had one. */
export const SurveySpecSchema = z.object({
  spec: z.array(SurveyQuestionSchema).default([]),
});

/**
 * `GET job_templates/{id}/launch/`: what AWX refuses a launch without. The passwords the
 * template's credentials ask for at launch (a Machine or Vault password saved as "Prompt on
 * launch"), the variables of the enabled survey's required questions, which a launch must
 * answer even when the question has a default (_survey_element_validation checks the launch's
 * answers before any default is merged), and an inventory when the template has none.
 */
export const LaunchRequirementsSchema = z.object({
  passwords_needed_to_start: z.array(z.string()).default([]),
  variables_needed_to_start: z.array(z.string()).default([]),
  /**
   * The template has no inventory (JobLaunchSerializer.get_inventory_needed_to_start): AWX
   * refuses a launch that does not give one (resources_needed_to_start), and the engine gives none.
   */
  inventory_needed_to_start: z.boolean().default(false),
});

export type LaunchRequirements = z.infer<typeof LaunchRequirementsSchema>;

/** The statuses AWX's UnifiedJob has (JOB_STATUS_CHOICES). */
export const knownJobStatuses = [
  'new',
  'pending',
  'waiting',
  'running',
  'successful',
  'failed',
  'error',
  'canceled',
] as const;

export type KnownJobStatus = (typeof knownJobStatuses)[number];

/**
 * A job's status as AWX reports it. Any text is accepted: a newer AWX or a derivative may add
 * a status, and an execution must keep being reported (as not finished) rather than fail.
 */
export type JobStatus = string;

/** `GET jobs/{id}/`. */
export const JobSchema = z.object({
  id,
  status: z.string(),
  job_template: z.number().int().nullable(),
  created: z.string(),
  /** JSON text of the variables the job ran with (the template's merged with the launch's). */
  extra_vars: z.string(),
  job_explanation: z.string(),
  /**
   * The traceback of an exception that ended the job (`error`), often with no
   * `job_explanation` (BaseTask.run); job views only, never a row of `jobs/`.
   */
  result_traceback: z.string().optional(),
  /** When the job started running; null before. */
  started: z.string().nullish(),
  /** When the job ended; null while AWX may still run it. */
  finished: z.string().nullish(),
  /**
   * Whether AWX has saved every event the job emitted (UnifiedJob.event_processing_finished):
   * AWX builds stdout only from saved events, so until then the output lacks its end. Job views
   * only, never a row of `jobs/` (UnifiedJobListSerializer).
   */
  event_processing_finished: z.boolean().optional(),
  /** Seconds the job may run before AWX stops it as failed; 0 for none (or AWX's global one). */
  timeout: z.number().int().default(0),
  /**
   * Seconds the job has run: 0 before it starts, counted live while it runs
   * (UnifiedJobSerializer), and from start to finish once it finished.
   */
  elapsed: z.number().default(0),
  /**
   * The job's credentials as they are now: AWX drops a deleted credential from a job, so a job
   * that has not started yet and lacks one would run without it. JobSerializer gives each one's
   * id, name, description, kind (its type's namespace) and cloud. The launch compares the ids;
   * the cleanup of a kubernaut execution reads the names, which say which credentials it made.
   */
  /**
   * How the job was started; `workflow` for one a workflow job spawned (WorkflowJobNode's
   * get_job_kwargs), as each sliced job of a sliced launch is.
   */
  launch_type: z.string().optional(),
  summary_fields: z
    .object({
      credentials: z.array(z.object({ id, name: z.string() })).optional(),
      /** The workflow job that spawned it (UnifiedJobSerializer), while AWX still has its node. */
      source_workflow_job: z.object({ id }).optional(),
    })
    .optional(),
});

export type Job = z.infer<typeof JobSchema>;

/**
 * A row of `GET jobs/`. AWX lists `extra_vars`; some derivatives strip it from lists (and
 * reject unknown query parameters such as `include`), so a row may lack it.
 */
export const JobRowSchema = JobSchema.extend({ extra_vars: z.string().optional() });

export type JobRow = z.infer<typeof JobRowSchema>;

/**
 * An event of `jobs/{id}/job_events/` (JobEventSerializer): `counter` numbers the job's events
 * in the order Ansible emitted them; `stdout` is the text the event printed, lines joined by
 * `\r\n`, with ANSI sequences, `''` for an event that printed nothing; `start_line` and
 * `end_line` place its lines in the output.
 */
export const JobEventSchema = z.object({
  counter: z.number().int(),
  stdout: z.string(),
  /**
   * The event's lines in the output as ansible-runner numbered them (OutputEventFilter), from 0:
   * `end_line` is past its last, so the next event starts at it.
   */
  start_line: z.number().int().nonnegative(),
  end_line: z.number().int().nonnegative(),
});

export type JobEvent = z.infer<typeof JobEventSchema>;

/** `POST job_templates/{id}/launch/` answers 201 with the job and what AWX ignored. */
export const LaunchResultSchema = z.object({
  job: id,
  ignored_fields: z.record(z.string(), z.unknown()),
});

export type LaunchResult = z.infer<typeof LaunchResultSchema>;

/** The launch answer of a template that sliced: a workflow job, and no `job`. */
export const WorkflowLaunchSchema = z.object({ workflow_job: id });

/**
 * `GET workflow_jobs/{id}/`: its status, and the JSON text of the variables it was launched
 * with, which a sliced launch's workflow job takes from the launch (JobTemplate.create_unified_job).
 */
export const WorkflowJobSchema = z.object({ id, status: z.string(), extra_vars: z.string() });

export type WorkflowJob = z.infer<typeof WorkflowJobSchema>;

/** A row of `GET workflow_jobs/`, which a derivative may strip `extra_vars` from as from jobs'. */
export const WorkflowJobRowSchema = WorkflowJobSchema.extend({ extra_vars: z.string().optional() });

/**
 * A row of `GET workflow_jobs/{id}/workflow_nodes/`: a sliced launch's workflow job has one node
 * per slice, and `job` is the slice the workflow manager spawned for it, null until it has.
 */
export const WorkflowNodeRowSchema = z.object({ id, job: id.nullable() });

const CredentialInputFieldSchema = z.object({
  id: z.string(),
  label: z.string(),
  type: z.enum(['string', 'boolean']).default('string'),
  secret: z.boolean().default(false),
});

export const CredentialTypeInputsSchema = z.object({
  fields: z.array(CredentialInputFieldSchema).default([]),
  required: z.array(z.string()).default([]),
});

export const CredentialTypeInjectorsSchema = z.object({
  env: z.record(z.string(), z.string()).optional(),
  /**
   * Templates, or arrays and objects of them (keys are templates too): AWX renders the tree
   * (CredentialTypeInjectorField; inject_credential's build_extra_vars). Only its keys are read.
   */
  extra_vars: z.record(z.string(), z.json()).optional(),
  file: z.record(z.string(), z.string()).optional(),
});

/** The body of `POST credential_types/`. */
export const CredentialTypeRequestSchema = z.object({
  name: z.string(),
  description: z.string(),
  kind: z.literal('cloud'),
  inputs: CredentialTypeInputsSchema,
  injectors: CredentialTypeInjectorsSchema,
});

export type CredentialTypeRequest = z.input<typeof CredentialTypeRequestSchema>;

export const CredentialTypeSchema = z.object({
  id,
  name: z.string(),
  kind: z.string(),
  managed: z.boolean(),
  /** What a managed type injects with a function of AWX's instead of `injectors`. */
  namespace: z.string().nullable().optional(),
  inputs: CredentialTypeInputsSchema,
  injectors: CredentialTypeInjectorsSchema,
});

export type CredentialType = z.infer<typeof CredentialTypeSchema>;

/** The body of `POST credentials/`; `inputs` holds secret values and is never logged. */
export const CredentialRequestSchema = z.object({
  name: z.string(),
  description: z.string(),
  organization: id,
  credential_type: id,
  inputs: z.record(z.string(), z.union([z.string(), z.boolean()])),
});

export type CredentialRequest = z.infer<typeof CredentialRequestSchema>;

/** A credential as AWX returns it, without its `inputs`. */
export const CredentialSchema = z.object({
  id,
  name: z.string(),
  organization: z.number().int().nullable(),
  credential_type: id,
});

export type Credential = z.infer<typeof CredentialSchema>;

export const OrganizationSchema = z.object({ id, name: z.string() });

export type Organization = z.infer<typeof OrganizationSchema>;

/** `GET me/`: who the token belongs to. */
export const MeSchema = pageSchema(z.object({ id, username: z.string() }));

/** The body of an AWX error: DRF's `{"detail": ...}` or a field-keyed dict of messages. */
export const ErrorBodySchema = z.record(z.string(), z.unknown());
