import { describe, expect, it } from 'vitest';
import { engineConfigMaxValues } from './engine-config.js';
import { configurationIssuesOf } from './testing/configuration-issues.js';
import { parseWorkflowExecution, WorkflowRefSchema } from './workflow-execution.js';

const withEngineConfig = (engineConfig: unknown) => ({
  metadata: { name: 'restart-1', namespace: 'team-a', uid: 'u-1', generation: 1 },
  spec: {
    workflowRef: {
      workflowId: 'restart-pod',
      version: '1.0.0',
      executionBundle: 'quay.io/acme/restart:1',
      engineConfig,
    },
    targetResource: 'prod/deployment/api',
    executionEngine: 'pod',
  },
});

const issuesOf = (engineConfig: unknown) =>
  configurationIssuesOf(() => parseWorkflowExecution(withEngineConfig(engineConfig)));

/** The pod engine's largest config: 100 steps, each with a script as long as `execve` takes. */
const largestPodConfig = () => ({
  parallel: true,
  steps: Array.from({ length: 100 }, (_, i) => ({
    name: `step-${i}`,
    image: 'registry.example.com/tools/kubectl:1.36',
    script: 'x'.repeat(32 * 4096 - 1),
    workingDir: '/work',
    env: Array.from({ length: 64 }, (_, j) => ({ name: `VAR_${j}`, value: 'value' })),
  })),
});

/** A config of `count` JSON values: an object holding an array of `count - 2` numbers. */
const configOfValues = (count: number) => ({ filler: Array.from({ length: count - 2 }, () => 1) });

describe('engineConfig bounds', () => {
  it('refuses a 1 MiB engineConfig of small arrays as an issue naming the field and the limit', () => {
    // What the API server stores in one object: `[[[1]]]` repeated, four values in 8 bytes.
    const text = `{"filler":[${Array.from({ length: (1 << 20) / 8 }, () => '[[[1]]]').join(',')}]}`;
    expect(text.length).toBeGreaterThan(1 << 20);
    expect(issuesOf(JSON.parse(text))).toEqual([
      {
        path: 'spec.workflowRef.engineConfig',
        message: expect.stringContaining(`holds more than ${engineConfigMaxValues} values`),
      },
    ]);
  });

  it('accepts the largest pod config: 100 steps of 128 KiB scripts and 64 variables each', () => {
    const config = largestPodConfig();
    expect(parseWorkflowExecution(withEngineConfig(config)).spec.workflowRef.engineConfig).toEqual(
      config,
    );
  });

  it('accepts exactly the most values and refuses one more', () => {
    expect(issuesOf(configOfValues(engineConfigMaxValues))).toEqual([]);
    expect(issuesOf(configOfValues(engineConfigMaxValues + 1))).toEqual([
      expect.objectContaining({ path: 'spec.workflowRef.engineConfig' }),
    ]);
  });

  it('counts the values of objects as of arrays', () => {
    const wide = Object.fromEntries(
      Array.from({ length: engineConfigMaxValues }, (_, i) => [`k${i}`, i]),
    );
    expect(issuesOf(wide)).toEqual([
      expect.objectContaining({ path: 'spec.workflowRef.engineConfig' }),
    ]);
  });

  it.each([
    ['an undefined array entry', { a: [1, undefined] }, 'spec.workflowRef.engineConfig.a.1'],
    ['NaN', { a: { b: Number.NaN } }, 'spec.workflowRef.engineConfig.a.b'],
    ['a Date', { when: new Date(0) }, 'spec.workflowRef.engineConfig.when'],
    ['a function', [() => 1], 'spec.workflowRef.engineConfig.0'],
  ])('refuses %s, which JSON cannot carry, naming where it is', (_, config, path) => {
    expect(issuesOf(config)).toEqual([
      { path, message: expect.stringContaining('which JSON cannot carry') },
    ]);
  });

  it('bounds the schema itself, for callers that validate a workflowRef directly', () => {
    const result = WorkflowRefSchema.safeParse({
      ...withEngineConfig(configOfValues(engineConfigMaxValues + 1)).spec.workflowRef,
    });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['engineConfig'],
        message: expect.stringContaining(`holds more than ${engineConfigMaxValues} values`),
      }),
    ]);
  });

  it('refuses a __proto__ key through the schema too, instead of dropping it', () => {
    const result = WorkflowRefSchema.safeParse({
      ...withEngineConfig(JSON.parse('{"a":{"__proto__":{"polluted":true}}}')).spec.workflowRef,
    });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['engineConfig', 'a', '__proto__'] }),
    ]);
  });
});
