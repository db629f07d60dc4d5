import { ConfigurationError, type FieldIssue } from '@roundhouse/core';
import { engineConfigPath, type Step } from './config.js';

/**
 * The longest string the kernel passes through `execve`, NUL included (MAX_ARG_STRLEN, 32
 * pages): a longer argument or `NAME=value` fails the exec with E2BIG. A step's script is the
 * `-c` argument of its shell, so one past it would leave a Pod whose container can never start.
 */
const maxExecStringBytes = 32 * 4096;

/** The longest path `chdir` takes, NUL included (PATH_MAX), and the longest part of one (NAME_MAX). */
const maxPathBytes = 4096;
const maxPathPartBytes = 255;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Refuses what the kernel would refuse when the runtime starts a step, a ConfigurationError
 * naming each field: a script or a variable too long to be an argument, a working directory
 * too long to enter. The API server stores such a Pod, and its container then fails to start;
 * refused here, nothing is created.
 */
export function checkExecLimits(steps: readonly Step[]): void {
  const argument = `at most ${maxExecStringBytes - 1} bytes`;
  const issues = steps.flatMap((step, index) => {
    const at = `${engineConfigPath}.steps.${index}`;
    const issues: FieldIssue[] = [];
    const script = bytes(step.script);
    if (script >= maxExecStringBytes) {
      issues.push({
        path: `${at}.script`,
        message: `is ${script} bytes; the kernel passes ${argument} as one argument, and the step runs as \`sh -c <script>\`: put the rest in the image, or have the script fetch it`,
      });
    }
    (step.env ?? []).forEach((variable, i) => {
      const length = bytes(`${variable.name}=${variable.value}`);
      if (length >= maxExecStringBytes) {
        issues.push({
          path: `${at}.env.${i}.value`,
          message: `makes ${variable.name}=<value> ${length} bytes; the kernel passes ${argument} as one variable: pass a smaller value, or a file the script reads`,
        });
      }
    });
    const dir = step.workingDir;
    if (dir !== undefined) {
      const longest = Math.max(...dir.split('/').map(bytes));
      if (bytes(dir) >= maxPathBytes || longest > maxPathPartBytes) {
        issues.push({
          path: `${at}.workingDir`,
          message: `is longer than a directory the kernel can enter (at most ${maxPathBytes - 1} bytes, ${maxPathPartBytes} for each part between "/"): use a shorter path`,
        });
      }
    }
    return issues;
  });
  if (issues.length) throw new ConfigurationError(issues);
}
