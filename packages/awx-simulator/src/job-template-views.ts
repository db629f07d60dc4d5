/**
 * How AWX shows a job template: its list and detail body (JobTemplateSerializer), what
 * `GET launch/` says a launch needs (JobLaunchSerializer), and the fields a list may filter on.
 */
import { inAskMappingOrder } from './ask-mapping.js';
import { passwordsNeeded } from './credential-passwords.js';
import type { Model } from './filters.js';
import { type JobTemplate, TEMPLATE_INVENTORY, TEMPLATE_PROJECT } from './job-templates.js';
import type { Job } from './jobs.js';
import type { LaunchCredential } from './launch-credentials.js';
import { objectRoles } from './object-roles.js';
import type { Organization } from './organizations.js';
import { pythonJsonDumps } from './python-json.js';
import type { RecentJob } from './recent-jobs.js';
import { surveyApplies, variablesNeededToStart } from './survey-spec.js';
import type { TemplateJobState } from './template-status.js';
import { formatTimestamp } from './timestamps.js';
import type { TemplateCapabilities } from './user-capabilities.js';
import { authorLinks, authorSummaries, BY_TOKEN_USER } from './users.js';

export const jobTemplateModel: Model<JobTemplate> = {
  objectName: 'JobTemplate',
  ordering: ['name'],
  fields: {
    id: { kind: 'int', value: (t) => t.id },
    name: { kind: 'char', value: (t) => t.name },
    description: { kind: 'char', value: (t) => t.description },
    organization: { kind: 'fk', value: (t) => t.organization },
    playbook: { kind: 'char', value: (t) => t.playbook },
    ask_variables_on_launch: { kind: 'bool', value: (t) => t.askVariablesOnLaunch },
    ask_credential_on_launch: { kind: 'bool', value: (t) => t.askCredentialOnLaunch },
    ask_timeout_on_launch: { kind: 'bool', value: (t) => t.askTimeoutOnLaunch },
    ask_job_slice_count_on_launch: { kind: 'bool', value: (t) => t.askJobSliceCountOnLaunch },
    job_slice_count: { kind: 'int', value: (t) => t.jobSliceCount },
    survey_enabled: { kind: 'bool', value: (t) => t.surveyEnabled },
    survey_spec: {
      kind: 'char',
      value: (t) => pythonJsonDumps(t.surveySpec),
      forbidden: 'Filtering on survey_spec is not allowed.',
    },
    created: { kind: 'datetime', value: (t) => t.created },
    modified: { kind: 'datetime', value: (t) => t.created },
    extra_vars: {
      kind: 'char',
      value: (t) => templateExtraVars(t),
      forbidden: 'Filtering on extra_vars is not allowed.',
    },
  },
};

function templateExtraVars(template: JobTemplate): string {
  if (typeof template.extraVars === 'string') return template.extraVars;
  return Object.keys(template.extraVars).length > 0 ? pythonJsonDumps(template.extraVars) : '';
}

const ASK_FLAGS = [
  'scm_branch',
  'diff_mode',
  'variables',
  'limit',
  'tags',
  'skip_tags',
  'job_type',
  'verbosity',
  'inventory',
  'credential',
  'execution_environment',
  'labels',
  'forks',
  'job_slice_count',
  'timeout',
  'instance_groups',
] as const;

function askFlags(template: JobTemplate): Record<string, boolean> {
  return Object.fromEntries(
    ASK_FLAGS.map((flag) => [
      `ask_${flag}_on_launch`,
      (flag === 'variables' && template.askVariablesOnLaunch) ||
        (flag === 'credential' && template.askCredentialOnLaunch) ||
        (flag === 'timeout' && template.askTimeoutOnLaunch) ||
        (flag === 'job_slice_count' && template.askJobSliceCountOnLaunch),
    ]),
  );
}

export interface TemplateContext {
  readonly credentials: readonly Record<string, unknown>[];
  /** The template's `status`, `last_job_failed` and `last_job_run` (see template-status.ts). */
  readonly jobs: TemplateJobState;
  readonly lastJob: Job | undefined;
  readonly currentJob: Job | undefined;
  readonly recentJobs: readonly RecentJob[];
  readonly organization: Pick<Organization, 'id' | 'name' | 'description'>;
  /** What the requesting user may do with the template. */
  readonly capabilities: TemplateCapabilities;
}

export function serializeJobTemplate(
  template: JobTemplate,
  context: TemplateContext,
  prefix: string,
): Record<string, unknown> {
  const url = `${prefix}job_templates/${template.id}/`;
  const last = context.lastJob;
  return {
    id: template.id,
    type: 'job_template',
    url,
    related: {
      ...authorLinks(BY_TOKEN_USER, prefix),
      organization: `${prefix}organizations/${template.organization}/`,
      launch: `${url}launch/`,
      credentials: `${url}credentials/`,
      jobs: `${url}jobs/`,
      survey_spec: `${url}survey_spec/`,
      ...(last ? { last_job: `${prefix}jobs/${last.id}/` } : {}),
    },
    // BaseSerializer.get_summary_fields (SUMMARIZABLE_FK_FIELDS, serializers.py:147, in its
    // order; a None value is left out; then created_by, modified_by, object_roles and
    // user_capabilities), LabelsListMixin's labels, JobTemplateMixin's survey and recent_jobs,
    // and JobTemplateSerializer's credentials, in that order. Saving a template's status and jobs
    // (unified_jobs.py _update_parent_instance) changes no editable field, so its modified_by
    // stays whoever last changed it.
    summary_fields: {
      organization: {
        id: context.organization.id,
        name: context.organization.name,
        description: context.organization.description,
      },
      ...(template.inventory === null ? {} : { inventory: inventorySummary(template) }),
      ...(template.project === null ? {} : { project: projectSummary(template) }),
      ...(last ? { last_job: lastJobSummary(last) } : {}),
      ...(context.currentJob ? { current_job: currentJobSummary(context.currentJob) } : {}),
      ...authorSummaries(BY_TOKEN_USER),
      object_roles: objectRoles('job_template', template.firstRoleId),
      user_capabilities: context.capabilities,
      labels: { count: 0, results: [] },
      ...surveySummary(template),
      recent_jobs: context.recentJobs,
      credentials: context.credentials,
    },
    created: formatTimestamp(template.created),
    modified: formatTimestamp(template.created),
    name: template.name,
    description: template.description,
    job_type: 'run',
    inventory: template.inventory,
    project: template.project,
    playbook: template.playbook,
    scm_branch: '',
    forks: 0,
    limit: '',
    verbosity: 0,
    extra_vars: templateExtraVars(template),
    job_tags: '',
    force_handlers: false,
    skip_tags: '',
    start_at_task: '',
    timeout: template.timeout,
    use_fact_cache: false,
    organization: template.organization,
    last_job_run:
      context.jobs.lastJobRun === null ? null : formatTimestamp(context.jobs.lastJobRun),
    last_job_failed: context.jobs.lastJobFailed,
    next_job_run: null,
    status: context.jobs.status,
    execution_environment: null,
    host_config_key: '',
    ...askFlags(template),
    survey_enabled: template.surveyEnabled,
    become_enabled: false,
    diff_mode: false,
    allow_simultaneous: template.allowSimultaneous,
    custom_virtualenv: null,
    job_slice_count: template.jobSliceCount,
    webhook_service: '',
    webhook_credential: null,
    prevent_instance_group_fallback: false,
  };
}

const FAILED_STATUSES: ReadonlySet<string> = new Set(['failed', 'error', 'canceled']);

/** The `Demo Inventory` as SUMMARIZABLE_FK_FIELDS['inventory'] shows it: its hosts, no groups or sources. */
function inventorySummary(template: JobTemplate): Record<string, unknown> {
  return {
    id: TEMPLATE_INVENTORY,
    name: 'Demo Inventory',
    description: '',
    has_active_failures: false,
    total_hosts: template.inventoryHosts,
    hosts_with_active_failures: 0,
    total_groups: 0,
    has_inventory_sources: false,
    total_inventory_sources: 0,
    inventory_sources_with_failures: 0,
    organization_id: 1,
    kind: '',
  };
}

/** The project as SUMMARIZABLE_FK_FIELDS['project'] shows it, with its last update's status. */
function projectSummary(template: JobTemplate): Record<string, unknown> {
  return {
    id: TEMPLATE_PROJECT,
    name: 'Demo Project',
    description: '',
    status: template.projectUpdateFailed ? 'failed' : 'successful',
    scm_type: 'git',
    allow_override: false,
  };
}

/**
 * SUMMARIZABLE_FK_FIELDS['last_job']: a Job has no `license_error`, and `canceled_on`, left out
 * while None, is set from the cancel request on (UnifiedJob.save).
 */
function lastJobSummary(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    name: job.name,
    description: '',
    finished: formatTimestamp(job.finished),
    status: job.status,
    failed: FAILED_STATUSES.has(job.status),
    ...(job.canceledOn === null ? {} : { canceled_on: formatTimestamp(job.canceledOn) }),
  };
}

/** SUMMARIZABLE_FK_FIELDS['current_job'], `license_error` aside as for the last job. */
function currentJobSummary(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    name: job.name,
    description: '',
    status: job.status,
    failed: FAILED_STATUSES.has(job.status),
  };
}

/** JobTemplateMixin.get_summary_fields names the survey, enabled or not, once a spec is saved. */
function surveySummary(template: JobTemplate): Record<string, unknown> {
  const spec = template.surveySpec;
  if (!Object.hasOwn(spec, 'name') || !Object.hasOwn(spec, 'description')) return {};
  return { survey: { title: spec.name, description: spec.description } };
}

/** JobLaunchSerializer's Meta.fields order of the flags, not JobTemplateSerializer's. */
const LAUNCH_ASK_ORDER = [
  'scm_branch',
  'variables',
  'tags',
  'diff_mode',
  'skip_tags',
  'job_type',
  'limit',
  'verbosity',
  'inventory',
  'credential',
  'execution_environment',
  'labels',
  'forks',
  'job_slice_count',
  'timeout',
  'instance_groups',
] as const satisfies readonly (typeof ASK_FLAGS)[number][];

/** `GET launch/`: what a launch would need and what it would use by default. */
export function launchInfo(
  template: JobTemplate,
  credentials: readonly LaunchCredential[],
): Record<string, unknown> {
  const asked = askFlags(template);
  const flags = Object.fromEntries(
    LAUNCH_ASK_ORDER.map((flag) => [`ask_${flag}_on_launch`, asked[`ask_${flag}_on_launch`]]),
  );
  const variablesNeeded = variablesNeededToStart(template);
  const passwords = credentials.flatMap(({ credential, type }) =>
    passwordsNeeded(credential, type),
  );
  return {
    can_start_without_user_input:
      !Object.values(flags).some(Boolean) && passwords.length === 0 && variablesNeeded.length === 0,
    passwords_needed_to_start: passwords,
    ...flags,
    survey_enabled: surveyApplies(template),
    variables_needed_to_start: variablesNeeded,
    credential_needed_to_start: false,
    inventory_needed_to_start: template.inventory === null,
    job_template_data: { name: template.name, id: template.id, description: template.description },
    defaults: launchDefaults(template, credentials),
  };
}

/**
 * JobLaunchSerializer.get_defaults (awx/api/serializers.py:4632): one entry per get_ask_mapping
 * field, in its order, except `credentials` and `labels`, which it only adds as it finds one (the
 * simulator's templates have no labels).
 */
function launchDefaults(
  template: JobTemplate,
  credentials: readonly LaunchCredential[],
): Record<string, unknown> {
  return inAskMappingOrder<unknown>({
    extra_vars: templateExtraVars(template),
    diff_mode: false,
    limit: '',
    job_tags: '',
    skip_tags: '',
    job_type: 'run',
    verbosity: 0,
    inventory:
      template.inventory === null
        ? { name: null, id: null }
        : { name: 'Demo Inventory', id: template.inventory },
    ...(credentials.length > 0
      ? {
          credentials: credentials.map(({ credential, type }) => ({
            id: credential.id,
            name: credential.name,
            credential_type: type.id,
            passwords_needed: passwordsNeeded(credential, type),
            // JobLaunchSerializer.get_defaults names a managed Vault credential's id.
            ...(type.managed && type.inputs.fields.some((f) => f.id === 'vault_id')
              ? { vault_id: credential.inputs.vault_id ?? null }
              : {}),
          })),
        }
      : {}),
    scm_branch: '',
    execution_environment: {},
    forks: 0,
    job_slice_count: template.jobSliceCount,
    timeout: template.timeout,
    instance_groups: [],
  });
}
