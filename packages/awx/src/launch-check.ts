/**
 * The check before a launch, against the job template as the catalog has it: the launch's
 * extra_vars typed for the template's survey, or a ConfigurationError for what AWX would refuse
 * or ignore (survey answers, the survey's required variables, prompts, passwords its credentials
 * ask for at launch, a missing project or inventory, a user AWX will not let start it, slicing)
 * and what would keep the engine from finding its job. The survey is
 * read only when it is enabled; it and what `GET launch/` says a launch needs are cached like the
 * template.
 */
import { ConfigurationError, type FieldIssue } from '@roundhouse/core';
import { isNotFound } from './awx-errors.js';
import { startIssues } from './awx-permissions.js';
import type { ExtraVars } from './extra-vars.js';
import { type LaunchVariables, typedExtraVars } from './extra-vars-plan.js';
import { slicingIssues } from './job-slicing.js';
import {
  inventoryIssues,
  passwordIssues,
  projectIssues,
  promptIssues,
  requiredVariableIssues,
} from './launch-prompts.js';
import type { JobTemplate } from './schemas.js';
import type { Cached, TemplateCatalog } from './template-catalog.js';

export interface CheckedLaunch {
  /**
   * The template the check passed against: the one given, or read afresh. `cached` when it or
   * its survey came from the cache: a launch AWX refuses is then worth once more.
   */
  readonly template: Cached<JobTemplate>;
  readonly extraVars: ExtraVars;
}

/** What one template says of a launch. */
interface TemplateCheck {
  readonly extraVars: ExtraVars;
  readonly issues: FieldIssue[];
  readonly surveyCached: boolean;
}

/**
 * Checks a launch of `template`. A refusal that rests on a cached template or survey is checked
 * once more against what AWX has now, so a template fixed since it was read is not refused on
 * what the cache remembers; a refusal from what AWX has now is final. A template deleted since
 * it was read is looked up again by its name.
 */
export async function checkLaunch(
  catalog: TemplateCatalog,
  template: Cached<JobTemplate>,
  variables: LaunchVariables,
  credentials: boolean,
  signal: AbortSignal | undefined,
): Promise<CheckedLaunch> {
  let first: TemplateCheck;
  try {
    first = await check(catalog, template.value, variables, credentials, signal);
  } catch (error) {
    // AWX answers every view of a deleted template 404, one replaced under its name included:
    // the check goes to the template of that name AWX has now, if any.
    if (!isNotFound(error)) throw error;
    return checkAfresh(catalog, template.value, variables, credentials, signal);
  }
  const cached = template.cached || first.surveyCached;
  if (first.issues.length === 0) {
    return { template: { value: template.value, cached }, extraVars: first.extraVars };
  }
  if (!cached) throw new ConfigurationError(first.issues);
  return checkAfresh(catalog, template.value, variables, credentials, signal);
}

/** The check against the template AWX has now under `stale`'s name; its refusal is final. */
async function checkAfresh(
  catalog: TemplateCatalog,
  stale: JobTemplate,
  variables: LaunchVariables,
  credentials: boolean,
  signal: AbortSignal | undefined,
): Promise<CheckedLaunch> {
  catalog.forget(stale);
  const fresh = await catalog.template(stale.name, signal);
  const second = await check(catalog, fresh.value, variables, credentials, signal);
  if (second.issues.length > 0) throw new ConfigurationError(second.issues);
  const again = { value: fresh.value, cached: fresh.cached || second.surveyCached };
  return { template: again, extraVars: second.extraVars };
}

async function check(
  catalog: TemplateCatalog,
  template: JobTemplate,
  variables: LaunchVariables,
  credentials: boolean,
  signal: AbortSignal | undefined,
): Promise<TemplateCheck> {
  const survey = await catalog.survey(template, signal);
  const needed = await catalog.launchRequirements(template, signal);
  const typed = typedExtraVars(variables, survey && { template, questions: survey.value });
  const inputs = { variables: [...variables.keys()], credentials };
  const resources = [
    ...projectIssues(template),
    ...inventoryIssues(template, needed.value.inventory_needed_to_start),
  ];
  return {
    extraVars: typed.extraVars,
    issues: [
      ...typed.issues,
      ...requiredVariableIssues(template, needed.value.variables_needed_to_start, inputs.variables),
      ...promptIssues(template, inputs, survey?.value),
      ...passwordIssues(template, needed.value.passwords_needed_to_start),
      ...resources,
      // AWX's start capability is false for those too (JobTemplate.validation_errors).
      ...(resources.length > 0 ? [] : startIssues(template)),
      ...slicingIssues(template),
    ],
    surveyCached: (survey?.cached ?? false) || needed.cached,
  };
}
