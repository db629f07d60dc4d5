/**
 * AWX ignores, rather than rejects, launch-time values a job template does not prompt for. A
 * job launched without its extra_vars or credentials would run the playbook with other inputs
 * than the execution asked for, so both are checked: on the template before launching, and on
 * the launch's `ignored_fields` in case the template changed in between. A template whose survey
 * is on takes the variables the survey asks for whatever its prompts say.
 */
import type { FieldIssue } from '@roundhouse/core';
import { jobTemplateNamePath } from './engine-config.js';
import type { JobTemplate } from './schemas.js';

const prompts = {
  extra_vars: { label: 'Variables', flag: 'ask_variables_on_launch' },
  credentials: { label: 'Credentials', flag: 'ask_credential_on_launch' },
} as const;

type Prompted = keyof typeof prompts;

/** At most this many variable names in a message; the rest are counted. */
const namesShown = 10;

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, namesShown).join(', ');
  const more = names.length - namesShown;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

function issue(
  template: Pick<JobTemplate, 'id' | 'name'>,
  field: Prompted,
  why: string,
  names: readonly string[] = [],
) {
  const { label, flag } = prompts[field];
  const which = names.length > 0 ? ` ${listNames(names)}` : '';
  return {
    path: jobTemplateNamePath,
    message:
      `AWX job template "${template.name}" (id ${template.id}) ${why} ${field}${which}: enable ` +
      `"Prompt on launch" for ${label} (${flag}) on the template`,
  };
}

/** What a launch sends that the template must take. */
export interface LaunchInputs {
  /** The names of the launch's extra_vars. */
  readonly variables: readonly string[];
  readonly credentials: boolean;
}

function surveyIssue(template: Pick<JobTemplate, 'id' | 'name'>, unasked: readonly string[]) {
  return {
    path: jobTemplateNamePath,
    message:
      `AWX job template "${template.name}" (id ${template.id}) does not prompt on launch for ` +
      `Variables and its survey does not ask for ${listNames(unasked)}, so AWX would ignore ` +
      `them: add them to the survey, or enable "Prompt on launch" for Variables ` +
      `(ask_variables_on_launch) on the template`,
  };
}

/**
 * What the template would ignore of a launch. A template that does not prompt for Variables
 * still takes the ones its enabled survey asks for (AWX's `_accept_or_ignore_variables`):
 * `survey` holds those, when the survey is enabled (see `TemplateCatalog.survey`).
 */
export function promptIssues(
  template: JobTemplate,
  launch: LaunchInputs,
  survey?: { has(variable: string): boolean },
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const why = "does not prompt on launch, so AWX would ignore the execution's";
  if (!template.ask_variables_on_launch) {
    const unasked = survey
      ? launch.variables.filter((name) => !survey.has(name))
      : launch.variables;
    if (unasked.length > 0) {
      issues.push(survey ? surveyIssue(template, unasked) : issue(template, 'extra_vars', why));
    }
  }
  if (launch.credentials && !template.ask_credential_on_launch) {
    issues.push(issue(template, 'credentials', why));
  }
  return issues;
}

/**
 * The template's credentials ask for passwords at launch (AWX's `passwords_needed_to_start`:
 * `ssh_password`, `become_password`, `vault_password.<vault id>`...), which AWX refuses a launch
 * without and an execution cannot give. Only the names: they say which input, never a value.
 */
export function passwordIssues(
  template: Pick<JobTemplate, 'id' | 'name'>,
  passwords: readonly string[],
): FieldIssue[] {
  if (passwords.length === 0) return [];
  return [
    {
      path: jobTemplateNamePath,
      message:
        `AWX job template "${template.name}" (id ${template.id}) has credentials that ask for ` +
        `passwords at launch (${listNames(passwords)}), which an execution cannot give: save ` +
        `the passwords in those credentials instead of "Prompt on launch", or attach ` +
        `credentials that store them`,
    },
  ];
}

/**
 * The template has no inventory (AWX's `inventory_needed_to_start`, e.g. its inventory was
 * deleted): AWX refuses every launch that does not give one (JobTemplate
 * .resources_needed_to_start), and an execution gives none.
 */
export function inventoryIssues(
  template: Pick<JobTemplate, 'id' | 'name'>,
  needed: boolean,
): FieldIssue[] {
  if (!needed) return [];
  return [
    {
      path: jobTemplateNamePath,
      message:
        `AWX job template "${template.name}" (id ${template.id}) has no inventory, which AWX ` +
        'refuses a launch without and an execution does not give: set an inventory on the ' +
        'template',
    },
  ];
}

/**
 * The template has no project (its project was deleted, which leaves it `null`): AWX refuses
 * every launch of it (JobTemplate.resources_needed_to_start, JobLaunchSerializer.validate), and
 * `GET launch/` does not say so.
 */
export function projectIssues(
  template: Pick<JobTemplate, 'id' | 'name' | 'project'>,
): FieldIssue[] {
  if (template.project !== null) return [];
  return [
    {
      path: jobTemplateNamePath,
      message:
        `AWX job template "${template.name}" (id ${template.id}) has no project, which AWX ` +
        'refuses a launch without (its project was deleted): set a project on the template',
    },
  ];
}

/**
 * The variables the template's survey requires (AWX's `variables_needed_to_start`) that the
 * launch does not send. AWX refuses such a launch with 400 even when the question has a default:
 * it checks the launch's own answers, and merges defaults only into the job it then creates.
 */
export function requiredVariableIssues(
  template: Pick<JobTemplate, 'id' | 'name'>,
  needed: readonly string[],
  sent: readonly string[],
): FieldIssue[] {
  const given = new Set(sent);
  return needed
    .filter((name) => !given.has(name))
    .map((name) => ({
      path: `spec.parameters.${name}`,
      message:
        `AWX job template "${template.name}" (id ${template.id}) has a required survey ` +
        `question for ${name}, which AWX refuses a launch without even when the question has ` +
        `a default: set parameter ${name} on the WorkflowExecution, or make the question ` +
        `optional in the template's survey`,
    }));
}

/** What a launch's `ignored_fields` says AWX dropped of the values the execution depends on. */
export function ignoredFieldIssues(
  template: Pick<JobTemplate, 'id' | 'name'>,
  ignoredFields: Readonly<Record<string, unknown>>,
): FieldIssue[] {
  return (Object.keys(prompts) as Prompted[])
    .filter((field) => field in ignoredFields)
    .map((field) => {
      const ignored = ignoredFields[field];
      // The names only: the values are the execution's, and no error message carries them.
      const names =
        field === 'extra_vars' && ignored !== null && typeof ignored === 'object'
          ? Object.keys(ignored)
          : [];
      return issue(template, field, "ignored the launch's", names);
    });
}
