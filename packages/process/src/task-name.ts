import { z } from 'zod';

/** Longest task name: a Kubernetes object name, and well inside a file name's 255 bytes. */
export const maxTaskNameLength = 253;

/**
 * Task names become directory names under the data directory, so they are restricted to
 * characters that cannot form a path: letters, digits, `.`, `_` and `-`, starting with a letter
 * or digit (which also rules out `.` and `..`). A name that passes can never escape the data
 * directory; `taskDirectory` checks again anyway.
 */
// Empty matches here so that an empty name is reported once, as empty.
const taskNamePattern = /^([A-Za-z0-9][A-Za-z0-9._-]*)?$/;

export const TaskNameSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(maxTaskNameLength, { error: `must be at most ${maxTaskNameLength} characters` })
  .regex(taskNamePattern, {
    error:
      'must start with a letter or digit and contain only letters, digits, ".", "_" and "-" ' +
      '(no path separators, no "..")',
  });

/** Why `name` is not a valid task name, or undefined when it is one. */
export function taskNameProblem(name: unknown): string | undefined {
  const result = TaskNameSchema.safeParse(name);
  return result.success ? undefined : result.error.issues[0]?.message;
}
