import {
  ConfigurationError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { buildJob, type ContainerCommand } from './job-spec.js';

/** MAX_ARG_STRLEN, 32 pages, holds `NAME=value` and its NUL: 131,071 bytes of text at most. */
const limit = 32 * 4096 - 1;

const build = (spec: Partial<WorkflowExecution['spec']>, run?: ContainerCommand) =>
  buildJob(sampleExecution({ spec }), 'ns', undefined, {
    conventions: roundhouseConventions,
    serviceAccountName: 'runner',
    securityProfile: 'restricted',
    ...(run ? { containerCommand: () => run } : {}),
  });

const refusal = (spec: Partial<WorkflowExecution['spec']>, run?: ContainerCommand) => {
  try {
    build(spec, run);
  } catch (error) {
    return error;
  }
  throw new Error('buildJob made a Job');
};

describe('buildJob: what the kernel refuses to exec', () => {
  it('makes the Job of a parameter whose NAME=value is exactly the limit', () => {
    const value = 'x'.repeat(limit - 'BIG='.length);
    const env = build({ parameters: { BIG: value } }).spec?.template.spec?.containers[0]?.env;
    expect(env?.find((e) => e.name === 'BIG')?.value).toBe(value);
  });

  it('refuses one byte over, naming the parameter and the fix', () => {
    const error = refusal({ parameters: { BIG: 'x'.repeat(limit - 'BIG='.length + 1) } });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).reason).toBe('ConfigurationError');
    expect((error as ConfigurationError).issues).toEqual([
      {
        path: 'spec.parameters.BIG',
        message: expect.stringMatching(
          /^makes BIG=<value> 131072 bytes; the kernel passes at most 131071 bytes as one variable: pass a smaller value/,
        ),
      },
    ]);
  });

  it('counts bytes, not characters: a multi-byte value past the limit in UTF-8 is refused', () => {
    // 'é' is two bytes: half as many characters as the limit allows still exceed it by one.
    const chars = (limit - 'BIG='.length + 1) / 2;
    expect(Number.isInteger(chars)).toBe(true);
    const error = refusal({ parameters: { BIG: 'é'.repeat(chars) } });
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
      'spec.parameters.BIG',
    ]);
    // One character fewer fits.
    expect(() => build({ parameters: { BIG: 'é'.repeat(chars - 1) } })).not.toThrow();
  });

  it('measures the value the container gets, not the "$"-doubled one the Job stores', () => {
    const value = '$'.repeat(limit - 'BIG='.length);
    const env = build({ parameters: { BIG: value } }).spec?.template.spec?.containers[0]?.env;
    expect(env?.find((e) => e.name === 'BIG')?.value).toBe('$'.repeat(2 * value.length));
  });

  it('names every parameter over the limit', () => {
    const big = 'x'.repeat(limit);
    const error = refusal({ parameters: { A: big, B: 'small', C: big } });
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
      'spec.parameters.A',
      'spec.parameters.C',
    ]);
  });
});

describe("buildJob: what the kernel refuses to exec of an embedding controller's containerCommand", () => {
  it('makes the Job of a command and arguments exactly at the limit', () => {
    const at = 'x'.repeat(limit);
    const container = build({}, { command: [at], args: ['run', at] }).spec?.template.spec
      ?.containers[0];
    expect(container?.command).toEqual([at]);
    expect(container?.args).toEqual(['run', at]);
  });

  it('refuses an argument one byte over, naming the option, the argument and the fix', () => {
    const over = 'x'.repeat(limit + 1);
    const error = refusal({}, { command: ['sh', over], args: ['-c', 'true', over] });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual([
      {
        path: 'containerCommand.command.1',
        message: expect.stringMatching(
          /^is 131072 bytes; the kernel passes at most 131071 bytes as one argument: have the embedding controller's containerCommand pass/,
        ),
      },
      { path: 'containerCommand.args.2', message: expect.any(String) },
    ]);
  });

  it('measures the argument the container gets, not the "$"-doubled one the Job stores', () => {
    const dollars = '$'.repeat(limit);
    expect(build({}, { args: [dollars] }).spec?.template.spec?.containers[0]?.args).toEqual([
      '$'.repeat(2 * limit),
    ]);
    expect(() => build({}, { args: [`${dollars}$`] })).toThrow(ConfigurationError);
  });

  it('names an argument and a parameter over the limit in one refusal', () => {
    const error = refusal(
      { parameters: { BIG: 'x'.repeat(limit) } },
      { args: ['é'.repeat((limit + 1) / 2)] },
    );
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
      'spec.parameters.BIG',
      'containerCommand.args.0',
    ]);
  });
});
