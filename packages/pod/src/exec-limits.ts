import {
  ConfigurationError,
  execStringLimit,
  execStringOverLimit,
  type FieldIssue,
  workingDirIssue,
} from '@roundhouse/core';
import { engineConfigPath, type Step } from './config.js';

/**
 * Refuses what the kernel would refuse when the runtime starts a step, a ConfigurationError
 * naming each field: a script or a variable too long to be an argument (a step's script is the
 * `-c` argument of its shell), a working directory too long to enter. The API server stores
 * such a Pod, and its container then fails to start; refused here, nothing is created.
 */
export function checkExecLimits(steps: readonly Step[]): void {
  const issues = steps.flatMap((step, index) => {
    const at = `${engineConfigPath}.steps.${index}`;
    const issues: FieldIssue[] = [];
    const script = execStringOverLimit(step.script);
    if (script !== undefined) {
      issues.push({
        path: `${at}.script`,
        message: `is ${script} bytes; the kernel passes ${execStringLimit} as one argument, and the step runs as \`sh -c <script>\`: put the rest in the image, or have the script fetch it`,
      });
    }
    (step.env ?? []).forEach((variable, i) => {
      const length = execStringOverLimit(`${variable.name}=${variable.value}`);
      if (length !== undefined) {
        issues.push({
          path: `${at}.env.${i}.value`,
          message: `makes ${variable.name}=<value> ${length} bytes; the kernel passes ${execStringLimit} as one variable: pass a smaller value, or a file the script reads`,
        });
      }
    });
    const dirIssue = step.workingDir === undefined ? undefined : workingDirIssue(step.workingDir);
    if (dirIssue) issues.push({ path: `${at}.workingDir`, message: dirIssue });
    return issues;
  });
  if (issues.length) throw new ConfigurationError(issues);
}
