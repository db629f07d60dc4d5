import { ConfigurationError, toFieldIssues, type WorkflowExecution } from '@roundhouse/core';
import { z } from 'zod';

const engineConfigPath = 'spec.workflowRef.engineConfig';

/**
 * `spec.workflowRef.engineConfig` of an `ansible` execution. Keys beyond these are ignored:
 * kubernaut's workflow catalog writes this object and may add to it.
 */
export const AnsibleEngineConfigSchema = z.object({
  /** The AWX job template to launch; exactly one template must have this name. */
  jobTemplateName: z.string().min(1, { error: 'must not be empty' }),
  /** Accepted for kubernaut compatibility; the job template decides the playbook. */
  playbookPath: z.string().min(1, { error: 'must not be empty' }).optional(),
  /** Accepted for kubernaut compatibility; the job template decides the inventory. */
  inventoryName: z.string().min(1, { error: 'must not be empty' }).optional(),
});

export type AnsibleEngineConfig = z.infer<typeof AnsibleEngineConfigSchema>;

/** The execution's engine config, or a ConfigurationError naming each bad field. */
export function parseEngineConfig(wfe: WorkflowExecution): AnsibleEngineConfig {
  const config = wfe.spec.workflowRef.engineConfig;
  if (config === undefined || config === null) {
    throw new ConfigurationError({
      path: engineConfigPath,
      message: 'is required by the ansible engine: an object with at least "jobTemplateName"',
    });
  }
  const result = AnsibleEngineConfigSchema.safeParse(config);
  if (!result.success)
    throw new ConfigurationError(toFieldIssues(result.error, engineConfigPath, config));
  return result.data;
}

/** Where a problem with the job template shows up in the execution. */
export const jobTemplateNamePath = `${engineConfigPath}.jobTemplateName`;
