import { execStringOverLimit, parameterEnv, type WorkflowExecution } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { maxTaskChars, maxTaskStrings } from './action-size.js';
import { attemptExecution } from './attempt.js';
import { execStringMaxBytes } from './exec-strings.js';
import { defaultRouting } from './routing.js';
import { type TaskAction, validateTaskAction } from './spec.js';
import { taskAction } from './task-action.test-support.js';

const registry = { has: (engine: string) => engine === 'job' };
const allowedImages = ['registry.invalid/*'];

const validate = (action: TaskAction) =>
  validateTaskAction(action, defaultRouting, registry, allowedImages);

/** The refusal's message, or undefined when the action is valid. */
const refusal = (action: TaskAction) => {
  const result = validate(action);
  return result.valid ? undefined : result;
};

/** `bytes` bytes of UTF-8 in two-byte characters, an ASCII one last when `bytes` is odd. */
const twoByteText = (bytes: number) => 'é'.repeat(Math.floor(bytes / 2)) + 'a'.repeat(bytes % 2);

describe('the kernel bound on one argument or variable of an attempt', () => {
  it("is core's MAX_ARG_STRLEN, which the CRD's maxLength spells out as a number", () => {
    expect(execStringOverLimit('a'.repeat(execStringMaxBytes - 1))).toBeUndefined();
    expect(execStringOverLimit('a'.repeat(execStringMaxBytes))).toBe(execStringMaxBytes);
  });

  it('takes an argument of 131,071 bytes and refuses one of a byte more, naming it', () => {
    const at = 'a'.repeat(execStringMaxBytes - 1);
    expect(refusal(taskAction({ template: { command: [at], args: ['-c', at] } }))).toBeUndefined();
    const over = refusal(taskAction({ template: { args: ['-c', `${at}b`] } }));
    expect(over).toEqual({
      valid: false,
      reason: 'InvalidSpec',
      message:
        'spec.taskTemplate.args.1: is 131072 bytes in UTF-8; the kernel passes at most 131071 bytes as one argument or variable: pass large data in a file the task reads (spec.inputUri)',
    });
  });

  it('counts multi-byte characters in bytes: 65,536 two-byte characters are one byte too many', () => {
    expect(
      refusal(taskAction({ template: { command: [twoByteText(execStringMaxBytes - 1)] } })),
    ).toBeUndefined();
    const over = refusal(taskAction({ template: { command: ['é'.repeat(65_536)] } }));
    expect(over?.message).toMatch(/^spec\.taskTemplate\.command\.0: is 131072 bytes in UTF-8; /);
    // Four bytes a character, two UTF-16 units: a quarter of the limit in characters is over it.
    const astral = refusal(taskAction({ template: { args: ['𝄞'.repeat(32_768)] } }));
    expect(astral?.message).toMatch(/^spec\.taskTemplate\.args\.0: is 131072 bytes in UTF-8; /);
  });

  it('bounds a variable as the kernel sees it, NAME=value, under taskTemplate.env and envVars', () => {
    // MODE= takes five of the 131,071 bytes.
    const at = twoByteText(execStringMaxBytes - 1 - 'MODE='.length);
    expect(
      refusal(taskAction({ template: { env: { MODE: at } }, spec: { envVars: { MODE: at } } })),
    ).toBeUndefined();
    const over = refusal(
      taskAction({ template: { env: { MODE: `${at}b` } }, spec: { envVars: { RUN: `${at}é` } } }),
    );
    expect(over?.message).toBe(
      [
        'spec.taskTemplate.env.MODE: makes MODE=<value> 131072 bytes in UTF-8; the kernel passes at most 131071 bytes as one variable: pass large data in a file the task reads (spec.inputUri)',
        'spec.envVars.RUN: makes RUN=<value> 131072 bytes in UTF-8; the kernel passes at most 131071 bytes as one variable: pass large data in a file the task reads (spec.inputUri)',
      ].join('; '),
    );
  });

  it('refuses a string past the limit in characters by its length alone, saying its size', () => {
    const over = refusal(taskAction({ template: { env: { MODE: `${'a'.repeat(200_000)}\0` } } }));
    expect(over?.message).toBe(
      'spec.taskTemplate.env.MODE: is 200001 bytes in UTF-8; the kernel passes at most 131071 bytes as one argument or variable: pass large data in a file the task reads (spec.inputUri)',
    );
  });
});

/**
 * What `execve` takes of an attempt's arguments and environment, as fs/exec.c counts it: each
 * string with its NUL, and a pointer to it. The job engine adds HOME and TMPDIR (under a
 * read-only root) to the variables the execution carries.
 */
function execBytesOf(wfe: WorkflowExecution): number {
  const { engineConfig } = wfe.spec.workflowRef as {
    engineConfig?: { command?: string[]; args?: string[] };
  };
  const env = parameterEnv(wfe.spec.targetResource, wfe.spec.parameters);
  const strings = [
    ...(engineConfig?.command ?? []),
    ...(engineConfig?.args ?? []),
    ...env.map(({ name, value }) => `${name}=${value}`),
    'HOME=/tmp',
    'TMPDIR=/tmp',
  ];
  return strings.reduce((sum, s) => sum + Buffer.byteLength(s) + 1 + 8, 0);
}

describe('the kernel bound on all of them together', () => {
  it("keeps what the largest action the CRD admits passes under 1 MiB, half the 2 MiB a default stack's exec takes", () => {
    // Every list and map full, every name counted twice, every character four bytes: the
    // CRD's count is in characters (code points), so this is the most bytes it admits.
    const names = (prefix: string) =>
      Array.from({ length: maxTaskStrings }, (_, i) => `${prefix}${String(i).padStart(8, '0')}`);
    const [env, envVars] = [names('E'), names('R')];
    const nameChars = 2 * (env.join('') + envVars.join('')).length;
    const each = Math.floor((maxTaskChars - nameChars) / (4 * maxTaskStrings));
    const value = '𝄞'.repeat(each);
    const longUri = `s3://${'u'.repeat(2043)}`;
    const action = taskAction({
      template: {
        command: Array(maxTaskStrings).fill(value),
        args: Array(maxTaskStrings).fill(value),
        env: Object.fromEntries(env.map((name) => [name, value])),
      },
      spec: {
        envVars: Object.fromEntries(envVars.map((name) => [name, value])),
        inputUri: longUri,
        runOutputBase: longUri,
        actionName: 'a'.repeat(30),
      },
    });
    expect(validate(action).valid).toBe(true);
    const celChars = nameChars + 4 * maxTaskStrings * [...value].length;
    expect(maxTaskChars - celChars).toBeLessThan(4 * maxTaskStrings);

    const bytes = execBytesOf(attemptExecution(action, 11, 'job'));
    expect(bytes).toBeGreaterThan(3 * maxTaskChars);
    expect(bytes).toBeLessThan(1024 * 1024);
  });
});
