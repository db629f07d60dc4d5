/**
 * Job templates and what launching one does (AWX's JobLaunchSerializer and
 * JobTemplate._accept_or_ignore_job_kwargs). A prompt the template does not ask for is not an
 * error on a manual launch: AWX drops it into `ignored_fields` and launches anyway. Launch
 * credentials replace the template's credential of the same kind (type, and a vault's id); two
 * new credentials of one kind, or dropping a template credential without a replacement of its
 * kind, are 400s, and so is a launch without the passwords its credentials ask for. A survey's
 * answers are checked whatever the template prompts for, and a wrong one is a 400.
 */
import { z } from 'zod';
import { TEMPLATE_ROLES } from './access.js';
import { inAskMappingOrder } from './ask-mapping.js';
import { checkStart, collectPasswords } from './credential-passwords.js';
import { jobScheduleSchema } from './jobs.js';
import {
  byUniqueHash,
  credentialErrors,
  type LaunchCredential,
  templateCredentials,
} from './launch-credentials.js';
import { pythonDict } from './python-dict.js';
import {
  isJsonObject,
  PythonJsonError,
  parseJsonText,
  pythonJsonDumps,
  pythonTypeName,
} from './python-json.js';
import { pythonEquals } from './python-operators.js';
import { pythonSetDifference } from './python-set.js';
import { safeLoad, yamlTypeName } from './python-yaml.js';
import { jsonCompatible } from './python-yaml-dumps.js';
import type { FieldErrors } from './replies.js';
import {
  charField,
  type Exists,
  jsonFieldError,
  manyPkField,
  optionalBooleanField,
  optionalChoiceField,
  optionalIntegerField,
  optionalVerbatimField,
  parseBody,
  pkField,
} from './serializer-fields.js';
import { jobVariables, sortSurveyAnswers } from './survey-answers.js';
import { passwordVariables, type SurveySpec } from './survey-spec.js';
import type { Micros } from './timestamps.js';

/**
 * The one inventory every template runs against (`Demo Inventory`). The simulator has no
 * execution environments, labels or instance groups, so every id of one is refused.
 */
export const TEMPLATE_INVENTORY = 1;

/** The one project every template's playbook comes from. */
export const TEMPLATE_PROJECT = 1;

/** A template as a test seeds it; the simulator has no API to create templates. */
export const jobTemplateSeedSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  organization: z.number().int().positive().default(1),
  playbook: z.string().default('site.yml'),
  askVariablesOnLaunch: z.boolean().default(false),
  askCredentialOnLaunch: z.boolean().default(false),
  askTimeoutOnLaunch: z.boolean().default(false),
  /** Seconds a job may run before AWX stops it as failed; 0 is no limit. */
  timeout: z.number().int().default(0),
  /** Job Slicing: above 1 (and with as many hosts), a launch makes a workflow job. */
  jobSliceCount: z.number().int().min(0).default(1),
  askJobSliceCountOnLaunch: z.boolean().default(false),
  /**
   * Whether its jobs may run side by side (AWX's `allow_simultaneous`); when false, the task
   * manager keeps a job pending while another job of the template is waiting or running.
   */
  allowSimultaneous: z.boolean().default(false),
  /**
   * The template's inventory: `Demo Inventory` (id 1), or `null` for none, as a template whose
   * inventory was deleted has. AWX refuses to launch one without an inventory.
   */
  inventory: z.literal(TEMPLATE_INVENTORY).nullable().default(TEMPLATE_INVENTORY),
  /**
   * The template's project (id 1), or `null` for none, as a template whose project was deleted
   * has (JobTemplate.project is SET_NULL on delete). AWX refuses to launch one without a project.
   */
  project: z.literal(TEMPLATE_PROJECT).nullable().default(TEMPLATE_PROJECT),
  /**
   * The project's last update failed and it does not update on launch: AWX refuses every launch
   * (JobLaunchSerializer.validate, Project.get_reason_if_failed) until an update succeeds, and
   * `GET launch/` does not say so.
   */
  projectUpdateFailed: z.boolean().default(false),
  /** Hosts in the template's inventory: AWX slices into at most this many jobs. */
  inventoryHosts: z.number().int().min(0).default(1),
  /** Ids of credentials attached to the template. */
  credentials: z.array(z.number().int().positive()).default([]),
  /**
   * The template's variables: a mapping, or text as AWX stores what a client gave (JSON or YAML),
   * which its views show as is and a launch reads with `parse_yaml_or_json`.
   */
  extraVars: z.union([z.string(), z.record(z.string(), z.unknown())]).default({}),
  /** Whether launches apply the survey spec (AWX's `survey_enabled`). */
  surveyEnabled: z.boolean().default(false),
  /**
   * The body a client would `POST` to `survey_spec/`, checked as AWX checks that; absent, the
   * template has none (`{}`).
   */
  surveySpec: z.record(z.string(), z.unknown()).optional(),
  schedule: jobScheduleSchema.prefault({}),
  /**
   * The role granted to the token's user on the template, for a user who is not a System
   * Administrator: `read` sees it, `execute` launches it too, `admin` also edits its survey and
   * cancels others' jobs. Its organization's roles may give more, as AWX's do.
   */
  role: z.enum(TEMPLATE_ROLES).default('admin'),
});

export type JobTemplateSeed = z.input<typeof jobTemplateSeedSchema>;

export type JobTemplate = Omit<z.output<typeof jobTemplateSeedSchema>, 'surveySpec'> & {
  readonly id: number;
  readonly created: Micros;
  /** Its admin_role's id, the first of its roles' (object-roles.ts). */
  readonly firstRoleId: number;
  /** As AWX stores it: `{}`, or a checked spec whose password defaults are encrypted. */
  readonly surveySpec: SurveySpec;
};

/**
 * The body of `POST job_templates/{id}/launch/`: JobLaunchSerializer's writable fields in its
 * Meta.fields order, which is the order of their errors (`extra_vars`, first there, is read
 * apart: see planLaunch).
 */
const launchRequestSchema = (credentialExists: Exists) =>
  z.object({
    inventory: pkField({ exists: (id) => id === TEMPLATE_INVENTORY, required: false }),
    scm_branch: charField({ required: false, allowBlank: true }),
    limit: charField({ required: false, allowBlank: true }),
    job_tags: charField({ required: false, allowBlank: true }),
    skip_tags: charField({ required: false, allowBlank: true }),
    job_type: optionalChoiceField(['run', 'check']),
    // DRF's choice keys for verbosity are integers; the field accepts them spelled either way.
    verbosity: optionalChoiceField(['0', '1', '2', '3', '4', '5']).transform((v) =>
      v === undefined ? undefined : Number(v),
    ),
    diff_mode: optionalBooleanField(),
    credentials: manyPkField(credentialExists),
    credential_passwords: optionalVerbatimField(),
    execution_environment: pkField({ exists: () => false, required: false }),
    labels: manyPkField(() => false),
    forks: optionalIntegerField({ min: 0 }),
    job_slice_count: optionalIntegerField({ min: 0 }),
    timeout: optionalIntegerField(),
    instance_groups: manyPkField(() => false),
  });

/** Template values of the standard prompts; the simulator's templates never ask for them. */
const PROMPT_DEFAULTS = {
  limit: '',
  job_tags: '',
  skip_tags: '',
  scm_branch: '',
  job_type: 'run',
  verbosity: 0,
  diff_mode: false,
  forks: 0,
} as const;

/**
 * Many-to-many prompts: `_accept_or_ignore_job_kwargs` compares the list given with the
 * template's related manager (labels) or queryset (instance groups), which no list equals, so a
 * list given, even an empty one, is ignored when the template does not prompt for it.
 */
const MANY_PROMPTS = ['labels', 'instance_groups'] as const;

export interface LaunchPlan {
  /** `json.dumps` text of the job's variables, password answers in clear. */
  readonly extraVars: string;
  /** The survey's password variables, which the job's views mask. */
  readonly surveyPasswords: readonly string[];
  readonly credentials: readonly number[];
  /** The credentials the launch added to the template's, which the user must be able to use. */
  readonly promptedCredentials: readonly number[];
  readonly timeout: number;
  /** The effective slice count: above 1, AWX makes a workflow job of that many slices. */
  readonly slices: number;
  readonly ignoredFields: Record<string, unknown>;
  /**
   * The passwords the job needs that the launch left empty: AWX makes the job, finds it cannot
   * start it (UnifiedJob.signal_start), deletes it and answers 400 naming all it needs.
   */
  readonly startRefused: readonly string[] | undefined;
}

/** parse_yaml_or_json's ParseError: why json.loads and then yaml.safe_load failed. */
function cannotParse(json: string, yaml: string): string {
  return `Cannot parse as JSON (error: ${json}) or YAML (error: ${yaml}).`;
}

/**
 * What the launch's `extra_vars` JSONField and AWX's `vars_validate_or_raise` make of a value: a
 * mapping, or the message of their refusal. The JSONField refuses a NaN or an infinity, but not
 * in text, which json.loads then reads, NaN and all. `parse_yaml_or_json` takes a mapping as is; text it
 * reads with json.loads, then, if that is not a mapping, with yaml.safe_load, which reads blank
 * text, `---` or `null` as no variables; what YAML reads must then be written by json.dumps. A
 * value that is neither text nor a mapping fails both with their TypeError and AttributeError.
 */
function parseExtraVars(value: unknown): Record<string, unknown> | string {
  if (value === null) return 'This field may not be null.';
  const invalid = jsonFieldError(value);
  if (invalid !== undefined) return invalid;
  if (isJsonObject(value)) return value;
  if (typeof value !== 'string') {
    const type = pythonTypeName(value);
    return cannotParse(
      `the JSON object must be str, bytes or bytearray, not ${type}`,
      `'${type}' object has no attribute 'read'`,
    );
  }
  if (value === '""') return {};
  let jsonError: string;
  try {
    const parsed = parseJsonText(value);
    if (isJsonObject(parsed)) return parsed;
    jsonError = notMapping(pythonTypeName(parsed));
  } catch (error) {
    if (!(error instanceof PythonJsonError)) throw error;
    jsonError = error.message;
  }
  const loaded = safeLoad(value);
  if (!loaded.ok) return cannotParse(jsonError, loaded.error);
  const variables = loaded.value ?? new Map();
  if (!(variables instanceof Map))
    return cannotParse(jsonError, notMapping(yamlTypeName(variables)));
  const written = jsonCompatible(variables);
  if (!written.ok) return `Variables not compatible with JSON standard (error: ${written.error})`;
  return written.value as Record<string, unknown>;
}

/**
 * The template's `extra_vars_dict`: `parse_yaml_or_json` with its failures silent, so text it
 * cannot read as a mapping is no variables.
 */
export function templateVariables(template: JobTemplate): Record<string, unknown> {
  const parsed = parseExtraVars(template.extraVars);
  return typeof parsed === 'string' ? {} : parsed;
}

/** validate_vars_type's AssertionError. */
function notMapping(type: string): string {
  return `Input type \`${type}\` is not a dictionary`;
}

/**
 * JobTemplateLaunch.modernize_launch_payload: `inventory_id`, an older client's spelling, is the
 * `inventory` when that is absent. (Its other step, passwords at the top level, is
 * collectPasswords'.)
 */
function modernizeLaunchPayload(body: unknown): unknown {
  if (!isJsonObject(body) || Object.hasOwn(body, 'inventory')) return body;
  return Object.hasOwn(body, 'inventory_id') ? { ...body, inventory: body.inventory_id } : body;
}

/** Validates a launch against a template and says what the job gets and what AWX ignored. */
export function planLaunch(
  template: JobTemplate,
  body: unknown,
  lookup: (id: number) => LaunchCredential | undefined,
): { ok: true; plan: LaunchPlan } | { ok: false; errors: FieldErrors } {
  const parsed = parseBody(
    launchRequestSchema((id) => lookup(id) !== undefined),
    modernizeLaunchPayload(body),
  );
  // DRF validates `extra_vars` with the other fields, so its error joins theirs.
  const extraVars =
    isJsonObject(body) && body.extra_vars !== undefined ? parseExtraVars(body.extra_vars) : {};
  if (!parsed.ok || typeof extraVars === 'string') {
    const errors: FieldErrors = typeof extraVars === 'string' ? { extra_vars: [extraVars] } : {};
    return { ok: false, errors: parsed.ok ? errors : { ...errors, ...parsed.errors } };
  }
  const request = parsed.value;

  const ignored: Record<string, unknown> = {};
  const variables = acceptVariables(template, extraVars, ignored);
  for (const [name, templateValue] of Object.entries(PROMPT_DEFAULTS)) {
    const value = request[name as keyof typeof PROMPT_DEFAULTS];
    if (value !== undefined && value !== templateValue) ignored[name] = value;
  }
  // Absent (null here: the fields refuse a null) is not given; the template's is a no-op.
  if (request.inventory !== null && request.inventory !== template.inventory) {
    ignored.inventory = request.inventory;
  }
  for (const name of MANY_PROMPTS) {
    const value = request[name];
    if (value !== undefined) ignored[name] = value;
  }
  const timeout = acceptTimeout(template, request.timeout, ignored);
  const slices = acceptSliceCount(template, request.job_slice_count, ignored);

  const provided = (request.credentials ?? []).map((id) => lookup(id) as LaunchCredential);
  const added = provided.filter(({ credential }) => !template.credentials.includes(credential.id));
  let accepted: LaunchCredential[] = [];
  if (added.length > 0 && template.askCredentialOnLaunch) accepted = added;
  else if (added.length > 0) {
    // `set(kwargs['credentials']) - set(template.credentials.all())`, listed in set order.
    const ids = provided.map(({ credential }) => credential.id);
    ignored.credentials = pythonSetDifference(ids, template.credentials);
  }

  // In the order AWX gathers them: _accept_or_ignore_job_kwargs's (variables, prompts, then
  // resources), then JobLaunchSerializer.validate's (playbook, credentials, passwords).
  const errors: FieldErrors = {};
  if (variables.errors.length > 0) errors.variables_needed_to_start = variables.errors;
  if (typeof slices === 'string') errors.job_slice_count = [slices];
  // JobTemplate.resources_needed_to_start (awx/main/models/jobs.py:322), project then
  // inventory: the simulator's templates never prompt for an inventory, so one without its own
  // is refused whatever the launch gives.
  const missing = (['project', 'inventory'] as const).filter((field) => template[field] === null);
  if (missing.length > 0) {
    errors.resources_needed_to_start = missing.map(
      (field) => `Job Template ${field} is missing or undefined.`,
    );
  }
  // JobLaunchSerializer.validate: no project to run a playbook from, or none it could update.
  if (template.project === null) errors.project = ['A project is required to run a job.'];
  else if (template.projectUpdateFailed) {
    errors.playbook = ['Missing a revision to run due to failed project update.'];
  }
  const refused = credentialErrors(template, accepted, request.credentials && provided, lookup);
  if (refused.length > 0) errors.credentials = refused;
  const inTemplate = templateCredentials(template, lookup);
  // Passwords may come at the top level when `credential_passwords` is absent.
  const passwords = collectPasswords(
    accepted.length > 0 ? byUniqueHash([...inTemplate, ...accepted]) : inTemplate,
    request.credential_passwords === undefined ? body : request.credential_passwords,
  );
  if (passwords.lacking.length > 0) errors.passwords_needed_to_start = passwords.lacking;
  if (Object.keys(errors).length > 0 || typeof slices === 'string') return { ok: false, errors };

  const credentials = byUniqueHash([...inTemplate, ...accepted]);
  const start = checkStart(credentials, passwords.given);
  return {
    ok: true,
    plan: {
      extraVars: pythonJsonDumps(
        jobVariables({ ...template, extraVars: templateVariables(template) }, variables.accepted),
      ),
      surveyPasswords: passwordVariables(template),
      credentials: credentials.map(({ credential }) => credential.id),
      promptedCredentials: accepted.map(({ credential }) => credential.id),
      timeout,
      slices,
      ignoredFields: ignoredInAwxOrder(ignored),
      startRefused: start.ok ? undefined : start.needed,
    },
  };
}

/**
 * `rejected_data` in the order _accept_or_ignore_job_kwargs fills it (awx/main/models/jobs.py:432):
 * the variables first, then the other prompts in get_ask_mapping order.
 */
function ignoredInAwxOrder(ignored: Record<string, unknown>): Record<string, unknown> {
  const { extra_vars: variables, ...prompts } = ignored;
  const first = Object.hasOwn(ignored, 'extra_vars') ? { extra_vars: variables } : {};
  return { ...first, ...inAskMappingOrder(prompts) };
}

/**
 * _accept_or_ignore_variables: the survey takes its own variables; the rest are all taken when
 * the template prompts for variables, else each one that differs from the template's (Python's
 * `==`) is ignored. A survey answer that fails is an error, so the launch is refused.
 */
function acceptVariables(
  template: JobTemplate,
  extraVars: Record<string, unknown>,
  ignored: Record<string, unknown>,
): { readonly accepted: Record<string, unknown>; readonly errors: readonly string[] } {
  const survey = sortSurveyAnswers(template, extraVars);
  if (template.askVariablesOnLaunch) {
    return { accepted: pythonDict(survey.accepted, survey.others), errors: survey.errors };
  }
  const own = templateVariables(template);
  const leftover = Object.entries(survey.others).filter(
    ([key, value]) => !Object.hasOwn(own, key) || !pythonEquals(own[key], value),
  );
  const rejected = pythonDict(survey.rejected, leftover);
  if (Object.keys(rejected).length > 0) ignored.extra_vars = rejected;
  return { accepted: survey.accepted, errors: survey.errors };
}

/** `_accept_or_ignore_job_kwargs`: a value equal to the template's is neither taken nor ignored. */
function acceptTimeout(
  template: JobTemplate,
  requested: number | undefined,
  ignored: Record<string, unknown>,
): number {
  if (requested === undefined || requested === template.timeout) return template.timeout;
  if (template.askTimeoutOnLaunch) return requested;
  ignored.timeout = requested;
  return template.timeout;
}

/**
 * JobTemplate.get_effective_slice_ct: the template's count, or the launch's when prompted, but
 * never more than the inventory's hosts. A prompted count above 1 that the hosts bring down to
 * 1 is refused (_accept_or_ignore_job_kwargs); the message is returned.
 */
function acceptSliceCount(
  template: JobTemplate,
  requested: number | undefined,
  ignored: Record<string, unknown>,
): number | string {
  // Without an inventory there are no hosts to cap the count by.
  const effective = (count: number) =>
    template.inventory === null ? count : Math.min(count, template.inventoryHosts);
  if (requested === undefined || requested === template.jobSliceCount) {
    return effective(template.jobSliceCount);
  }
  if (!template.askJobSliceCountOnLaunch) {
    ignored.job_slice_count = requested;
    return effective(template.jobSliceCount);
  }
  if (requested > 1 && effective(requested) <= 1) {
    return 'Job inventory does not have enough hosts for slicing';
  }
  return effective(requested);
}
