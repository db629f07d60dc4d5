import { execStringLimit, execStringOverLimit } from '@roundhouse/core';
import type { z } from 'zod';

/**
 * What of a TaskAction reaches the kernel as one string of its attempt's `execve`: each of
 * `taskTemplate.command` and `args` is an argument, each variable of `taskTemplate.env` and
 * `envVars` a `NAME=value` of the environment (attemptExecution; the job engine's container).
 * The API server stores a longer one, the Job is created, and its container then cannot start
 * (E2BIG), attempt after attempt; refused at admission, nothing is created.
 *
 * Together they are bounded by the kernel too (fs/exec.c, bprm_stack_limits): the strings and
 * their pointers take at most a quarter of the stack limit, capped at 6 MiB and at least
 * ARG_MAX (128 KiB). A container gets its runtime's stack limit, the kernel's default of 8 MiB
 * unless its node changes it: 2 MiB. The object's bound (`maxTaskChars`, action-size.ts) keeps
 * what an action adds to that under 1 MiB (`execBytesOf` in the tests), the rest left to its
 * image's own environment, so no second total is needed.
 */

/**
 * MAX_ARG_STRLEN, the bound core's `execStringOverLimit` applies: zod's `max`, and so the CRD's
 * `maxLength`, need it as a number, which core does not export (exec-strings.test.ts keeps the
 * two equal).
 */
export const execStringMaxBytes = 32 * 4096;

/** The most characters one argument or value may have: no fewer bytes than characters. */
export const execStringMaxLength = execStringMaxBytes - 1;

const fix = 'pass large data in a file the task reads (spec.inputUri)';

/** Why a string longer than `execStringMaxLength` characters is refused, before it is read. */
export function execStringTooLong(text: string): string {
  return `is ${Buffer.byteLength(text, 'utf8')} bytes in UTF-8; the kernel passes ${execStringLimit} as one argument or variable: ${fix}`;
}

/** An argument's issue when `execve` would refuse it: its size in bytes, the limit and the fix. */
export function refuseLongArgument(text: string, ctx: z.RefinementCtx): void {
  const length = execStringOverLimit(text);
  if (length === undefined) return;
  ctx.addIssue({
    code: 'custom',
    message: `is ${length} bytes in UTF-8; the kernel passes ${execStringLimit} as one argument: ${fix}`,
  });
}

/** An issue for each variable whose `NAME=value` `execve` would refuse, at the variable's path. */
export function refuseLongVariables(env: Record<string, string>, ctx: z.RefinementCtx): void {
  for (const [name, value] of Object.entries(env)) {
    const length = execStringOverLimit(`${name}=${value}`);
    if (length === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: [name],
      message: `makes ${name}=<value> ${length} bytes in UTF-8; the kernel passes ${execStringLimit} as one variable: ${fix}`,
    });
  }
}
