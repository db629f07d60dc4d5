/**
 * JobTemplate.get_ask_mapping (awx/main/models/unified_jobs.py:457): the fields a template may
 * prompt for, in the model field order of their AskForFields, SurveyJobTemplateMixin's
 * (awx/main/models/mixins.py:108-134) before JobTemplate's own (awx/main/models/jobs.py:224-253).
 * `_accept_or_ignore_job_kwargs` ignores a launch's prompts, and JobLaunchSerializer.get_defaults
 * writes a template's defaults, in this order, which is the order of their keys in AWX's JSON.
 */
export const ASK_MAPPING_FIELDS = [
  'inventory',
  'limit',
  'scm_branch',
  'labels',
  'job_tags',
  'skip_tags',
  'extra_vars',
  'diff_mode',
  'job_type',
  'verbosity',
  'credentials',
  'execution_environment',
  'forks',
  'job_slice_count',
  'timeout',
  'instance_groups',
] as const;

export type AskMappingField = (typeof ASK_MAPPING_FIELDS)[number];

/** `values`' entries in get_ask_mapping order. */
export function inAskMappingOrder<T>(
  values: Partial<Record<AskMappingField, T>>,
): Partial<Record<AskMappingField, T>> {
  return Object.fromEntries(
    ASK_MAPPING_FIELDS.filter((field) => Object.hasOwn(values, field)).map((field) => [
      field,
      values[field],
    ]),
  );
}
