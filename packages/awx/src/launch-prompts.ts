/**
 * AWX ignores, rather than rejects, launch-time values a job template does not prompt for. A
 * job launched without its extra_vars or credentials would run the playbook with other inputs
 * than the execution asked for, so both are checked: on the template before launching, and on
 * the launch's `ignored_fields` in case the template changed in between.
 */
import type { FieldIssue } from '@roundhouse/core';
import { jobTemplateNamePath } from './engine-config.js';
import type { JobTemplate } from './schemas.js';

const prompts = {
  extra_vars: { label: 'Variables', flag: 'ask_variables_on_launch' },
  credentials: { label: 'Credentials', flag: 'ask_credential_on_launch' },
} as const;

type Prompted = keyof typeof prompts;

function issue(template: Pick<JobTemplate, 'id' | 'name'>, field: Prompted, why: string) {
  const { label, flag } = prompts[field];
  return {
    path: jobTemplateNamePath,
    message:
      `AWX job template "${template.name}" (id ${template.id}) ${why} ${field}: enable ` +
      `"Prompt on launch" for ${label} (${flag}) on the template`,
  };
}

/** What the template would ignore of a launch with extra_vars and, if any, credentials. */
export function promptIssues(template: JobTemplate, withCredentials: boolean): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const why = "does not prompt on launch, so AWX would ignore the execution's";
  if (!template.ask_variables_on_launch) issues.push(issue(template, 'extra_vars', why));
  if (withCredentials && !template.ask_credential_on_launch) {
    issues.push(issue(template, 'credentials', why));
  }
  return issues;
}

/** What a launch's `ignored_fields` says AWX dropped of the values the execution depends on. */
export function ignoredFieldIssues(
  template: Pick<JobTemplate, 'id' | 'name'>,
  ignoredFields: Readonly<Record<string, unknown>>,
): FieldIssue[] {
  return (Object.keys(prompts) as Prompted[])
    .filter((field) => field in ignoredFields)
    .map((field) => issue(template, field, "ignored the launch's"));
}
