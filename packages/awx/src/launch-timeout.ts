/**
 * `spec.executionConfig.timeout` on AWX. A template that prompts for Timeout
 * (`ask_timeout_on_launch`) takes it with the launch, and AWX stops the job when it runs out.
 * Otherwise AWX would ignore it, so it is not sent: the job runs on the template's own timeout,
 * and the controller stops the execution at its deadline (cleanup cancels the job).
 */
import { parseTimeout, type WorkflowExecution } from '@roundhouse/core';
import type { JobTemplate } from './schemas.js';

const timeoutPath = 'spec.executionConfig.timeout';

/** AWX stores the timeout in a 32-bit integer column. */
const maxSeconds = 2_147_483_647;

/** The execution's timeout in milliseconds, if it has one; a bad one is a ConfigurationError. */
export function executionTimeoutMs(wfe: WorkflowExecution): number | undefined {
  const timeout = wfe.spec.executionConfig?.timeout;
  return timeout ? parseTimeout(timeout, timeoutPath) : undefined;
}

export interface LaunchTimeout {
  /** Seconds for the launch's `timeout`, when the template takes one. */
  readonly seconds?: number | undefined;
  /** Said to the caller when the timeout cannot go to AWX. */
  readonly warning?: string | undefined;
}

/**
 * What a launch does with the execution's timeout. Whole seconds, rounded up: AWX never stops
 * a job sooner than the execution allows (the controller's deadline, with its grace, comes
 * later still).
 */
export function launchTimeout(
  timeoutMs: number | undefined,
  template: Pick<JobTemplate, 'id' | 'name' | 'ask_timeout_on_launch'>,
): LaunchTimeout {
  if (timeoutMs === undefined) return {};
  if (template.ask_timeout_on_launch) {
    return { seconds: Math.min(Math.ceil(timeoutMs / 1000), maxSeconds) };
  }
  return {
    // The timeout may come from spec.timesOutAt (preparedExecution ends it there): name both.
    warning:
      `the execution's timeout (${timeoutPath}, or spec.timesOutAt) is not sent to AWX: job template "${template.name}" (id ${template.id}) ` +
      'does not prompt on launch for Timeout (ask_timeout_on_launch); the controller stops the ' +
      'execution at its deadline instead',
  };
}

/** Said to the caller when AWX ignored a launch's timeout (the template changed meanwhile). */
export function ignoredTimeoutWarning(
  template: Pick<JobTemplate, 'id' | 'name'>,
  ignoredFields: Readonly<Record<string, unknown>>,
): string[] {
  return 'timeout' in ignoredFields
    ? [
        `AWX job template "${template.name}" (id ${template.id}) ignored the launch's timeout; ` +
          'the controller stops the execution at its deadline instead',
      ]
    : [];
}
