import { configurationIssuesOf } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { parsePodConfig } from './config.js';

const step = (overrides: Record<string, unknown> = {}) => ({
  name: 'build',
  image: 'registry.example.com/tools/make:4',
  script: 'make',
  ...overrides,
});

const issuesOf = (input: unknown) => configurationIssuesOf(() => parsePodConfig(input));

describe('parsePodConfig', () => {
  it('reads steps with env, workingDir and the parallel flag', () => {
    const config = parsePodConfig({
      steps: [step({ env: [{ name: 'MODE', value: 'fast' }], workingDir: '/src' })],
      parallel: true,
    });
    expect(config).toEqual({
      steps: [
        {
          name: 'build',
          image: 'registry.example.com/tools/make:4',
          script: 'make',
          env: [{ name: 'MODE', value: 'fast' }],
          workingDir: '/src',
        },
      ],
      parallel: true,
    });
  });

  it('requires the engine config', () => {
    expect(issuesOf(undefined)).toEqual([
      {
        path: 'spec.workflowRef.engineConfig',
        message: expect.stringContaining('is required by the pod engine'),
      },
    ]);
  });

  it('names every bad field under spec.workflowRef.engineConfig', () => {
    const issues = issuesOf({
      steps: [
        step({ name: 'Build_1', image: 'not an image', script: '' }),
        step({ env: [{ name: '1X', value: '' }], workingDir: 'relative', timeout: '1m' }),
      ],
      paralel: true,
    });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'spec.workflowRef.engineConfig',
      'spec.workflowRef.engineConfig.steps.0.image',
      'spec.workflowRef.engineConfig.steps.0.name',
      'spec.workflowRef.engineConfig.steps.0.script',
      'spec.workflowRef.engineConfig.steps.1',
      'spec.workflowRef.engineConfig.steps.1.env.0.name',
      'spec.workflowRef.engineConfig.steps.1.workingDir',
    ]);
    expect(issues.find((i) => i.path.endsWith('steps.1'))?.message).toBe(
      'unknown field(s) timeout',
    );
  });

  it("refuses a step named as a service mesh's own container, which its injector would merge the step into", () => {
    const names = [
      'istio-proxy',
      'istio-init',
      'istio-validation',
      'linkerd-proxy',
      'linkerd-init',
    ];
    expect(
      issuesOf({ steps: names.map((name) => step({ name })), parallel: true }).map((i) => i.path),
    ).toEqual(names.map((_, i) => `spec.workflowRef.engineConfig.steps.${i}.name`));
    expect(issuesOf({ steps: [step({ name: 'istio-proxy' })] })[0]?.message).toMatch(
      /^is the name of a service mesh's own container/,
    );
    // Only the exact names: a step may mention the mesh.
    expect(parsePodConfig({ steps: [step({ name: 'istio-proxy-check' })] }).steps).toHaveLength(1);
  });

  it('refuses a NUL in a script, a value or a path, which no container could start with', () => {
    const message =
      'must not contain a NUL character: the kernel ends a script, a value or a path at one';
    expect(
      issuesOf({
        steps: [
          step({
            script: 'echo hi\u0000rm -rf /',
            env: [{ name: 'A', value: 'x\u0000y' }],
            workingDir: '/tmp\u0000x',
          }),
        ],
      }),
    ).toEqual([
      { path: 'spec.workflowRef.engineConfig.steps.0.script', message },
      { path: 'spec.workflowRef.engineConfig.steps.0.env.0.value', message },
      {
        path: 'spec.workflowRef.engineConfig.steps.0.workingDir',
        message: 'must be an absolute path, without a NUL character',
      },
    ]);
    // Lines are what scripts and values are made of.
    const multiline = step({ script: 'make\nmake test\n', env: [{ name: 'A', value: 'a\nb' }] });
    expect(parsePodConfig({ steps: [multiline] }).steps[0]).toEqual(multiline);
  });

  it("says what is wrong with a step image's digest, and the general form for any other fault", () => {
    const path = 'spec.workflowRef.engineConfig.steps.0.image';
    const image = 'registry.example.com/tools/make:4@sha256';
    expect(issuesOf({ steps: [step({ image: `${image}:${'a'.repeat(63)}` })] })).toEqual([
      {
        path,
        message:
          'its digest: a sha256 digest has 64 hex digits, this one 63; copy the whole digest the registry reports',
      },
    ]);
    expect(issuesOf({ steps: [step({ image: `${image}:${'A'.repeat(64)}` })] })).toEqual([
      {
        path,
        message:
          'its digest: a sha256 digest is lowercase hex (0-9, a-f), as the registry reports it; write sha256:<64 lowercase hex digits>',
      },
    ]);
    // A bad name as well as a bad digest: fixing the digest alone would not be enough.
    expect(
      issuesOf({ steps: [step({ image: `Registry.example.com/Make@sha256:${'a'.repeat(63)}` })] }),
    ).toEqual([
      {
        path,
        message: 'must be an OCI image reference such as "registry.example.com/tools/kubectl:1.36"',
      },
    ]);
    expect(
      parsePodConfig({ steps: [step({ image: `${image}:${'a'.repeat(64)}` })] }).steps[0]?.image,
    ).toBe(`${image}:${'a'.repeat(64)}`);
  });

  it('refuses an empty step list, more than 100 steps and duplicate step names', () => {
    expect(issuesOf({ steps: [] })).toEqual([
      { path: 'spec.workflowRef.engineConfig.steps', message: 'needs at least one step' },
    ]);
    const many = (n: number) => Array.from({ length: n }, (_, i) => step({ name: `s${i}` }));
    expect(parsePodConfig({ steps: many(100), parallel: true }).steps).toHaveLength(100);
    expect(issuesOf({ steps: many(101), parallel: true })).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.steps',
        message: 'at most 100 steps: split the work over several executions',
      },
    ]);
    expect(issuesOf({ steps: [step(), step()] })).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.steps.1.name',
        message: 'duplicate step name "build"',
      },
    ]);
  });
});
