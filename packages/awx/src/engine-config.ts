import {
  ConfigurationError,
  type FieldIssue,
  toFieldIssues,
  type WorkflowExecution,
} from '@roundhouse/core';
import { z } from 'zod';

const engineConfigPath = 'spec.workflowRef.engineConfig';

/** Where a missing or bad playbook path shows up in the execution. */
export const playbookPathPath = `${engineConfigPath}.playbookPath`;

/**
 * `spec.workflowRef.engineConfig` of an `ansible` execution. Keys beyond these are ignored:
 * kubernaut's workflow catalog writes this object and may add to it.
 */
export const AnsibleEngineConfigSchema = z.object({
  /** The AWX job template to launch; exactly one template must have this name. */
  jobTemplateName: z.string().min(1, { error: 'must not be empty' }),
  /**
   * The playbook the job template runs. Required, as kubernaut requires it (its
   * ParseEngineConfig refuses an ansible engineConfig without it); the job template decides
   * the playbook, so the value itself is not used.
   */
  playbookPath: z.string().min(1, { error: 'must not be empty' }),
  /** Accepted for kubernaut compatibility; the job template decides the inventory. */
  inventoryName: z.string().min(1, { error: 'must not be empty' }).optional(),
});

export type AnsibleEngineConfig = z.infer<typeof AnsibleEngineConfigSchema>;

/** What to do about a missing playbookPath: kubernaut's rule, and the fix. */
const missingPlaybookPath =
  'is required by the ansible engine, as kubernaut requires it: add the playbook the job ' +
  'template runs, e.g. `playbookPath: playbooks/restart.yml`, next to jobTemplateName in the ' +
  "workflow's engineConfig (the job template still decides what runs)";

/** The execution's engine config, or a ConfigurationError naming each bad field. */
export function parseEngineConfig(wfe: WorkflowExecution): AnsibleEngineConfig {
  const config = wfe.spec.workflowRef.engineConfig;
  if (config === undefined || config === null) {
    throw new ConfigurationError({
      path: engineConfigPath,
      message:
        'is required by the ansible engine: an object with at least "jobTemplateName" and "playbookPath"',
    });
  }
  const result = AnsibleEngineConfigSchema.safeParse(config);
  if (!result.success) {
    throw new ConfigurationError(
      toFieldIssues(result.error, engineConfigPath, config).map(explainMissingPlaybookPath),
    );
  }
  return result.data;
}

/**
 * The job template an execution names, read leniently: only `jobTemplateName` must be valid,
 * so an execution created before `playbookPath` was required still finds its job.
 */
export function parseJobTemplateName(wfe: WorkflowExecution): string {
  const config = wfe.spec.workflowRef.engineConfig;
  const result = AnsibleEngineConfigSchema.pick({ jobTemplateName: true }).safeParse(config);
  if (!result.success) {
    throw new ConfigurationError(toFieldIssues(result.error, engineConfigPath, config));
  }
  return result.data.jobTemplateName;
}

function explainMissingPlaybookPath(issue: FieldIssue): FieldIssue {
  return issue.path === playbookPathPath && issue.message.startsWith('is required')
    ? { path: issue.path, message: missingPlaybookPath }
    : issue;
}

/** Where a problem with the job template shows up in the execution. */
export const jobTemplateNamePath = `${engineConfigPath}.jobTemplateName`;
