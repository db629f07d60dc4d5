import type { Step, TaskSpec } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import { InvalidParamsError, resolveParams, resolveSteps } from './params.js';

const task: TaskSpec = {
  params: [{ name: 'target' }, { name: 'mode', default: 'fast' }],
  steps: [
    { name: 'plan', image: 'registry.example.com/tf:1', script: 'plan $(params.target)' },
    {
      name: 'apply',
      image: 'registry.example.com/tf:1',
      script: 'apply --mode=$(params.mode) $(params.target) $(params.target)',
    },
  ],
};

function invalid(run: Parameters<typeof resolveSteps>[1], spec: TaskSpec = task) {
  try {
    resolveSteps(spec, run);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect((error as InvalidParamsError).reason).toBe('InvalidParams');
    return (error as InvalidParamsError).issues;
  }
  throw new Error('expected InvalidParamsError');
}

describe('resolveParams', () => {
  it('takes the run’s values over the defaults', () => {
    const values = resolveParams(task, {
      taskRef: { name: 'deploy' },
      params: [
        { name: 'target', value: 'prod' },
        { name: 'mode', value: 'careful' },
      ],
    });
    expect([...values]).toEqual([
      ['target', 'prod'],
      ['mode', 'careful'],
    ]);
  });
});

describe('resolveSteps', () => {
  it('substitutes every reference in every script, defaults included', () => {
    const config = resolveSteps(task, {
      taskRef: { name: 'deploy' },
      params: [{ name: 'target', value: 'prod' }],
    });
    expect(config.steps.map((s) => s.script)).toEqual(['plan prod', 'apply --mode=fast prod prod']);
    expect(config.parallel).toBeUndefined();
    expect(
      resolveSteps(
        { ...task, parallel: true },
        {
          taskRef: { name: 'deploy' },
          params: [{ name: 'target', value: 'x' }],
        },
      ).parallel,
    ).toBe(true);
  });

  it('names every undeclared, duplicate and missing param', () => {
    expect(
      invalid({
        taskRef: { name: 'deploy' },
        params: [
          { name: 'colour', value: 'blue' },
          { name: 'mode', value: 'a' },
          { name: 'mode', value: 'b' },
        ],
      }),
    ).toEqual([
      { path: 'spec.params.0.name', message: 'param "colour" is not declared by the Task' },
      { path: 'spec.params.2.name', message: 'param "mode" is given twice' },
      {
        path: 'spec.params',
        message: 'param "target" has no default and the TaskRun gives no value',
      },
    ]);
  });

  it('refuses a script that refers to a param the Task does not declare', () => {
    const spec: TaskSpec = {
      steps: [{ name: 'say', image: 'registry.example.com/sh:1', script: 'echo $(params.who)' }],
    };
    expect(invalid({ taskRef: { name: 'say' } }, spec)).toEqual([
      {
        path: 'task.spec.steps.0.script',
        message: 'step say refers to param "who", which the Task does not declare',
      },
    ]);
  });

  it('leaves other $(...) text alone', () => {
    const spec: TaskSpec = {
      steps: [{ name: 'say', image: 'registry.example.com/sh:1', script: 'echo $(date) $HOME' }],
    };
    expect(resolveSteps(spec, { taskRef: { name: 'say' } }).steps[0]?.script).toBe(
      'echo $(date) $HOME',
    );
  });
});

describe('resolveSteps, with values too long for a Pod', () => {
  const long: TaskSpec = {
    params: [{ name: 'blob' }],
    steps: [
      {
        name: 'say',
        image: 'registry.example.com/sh:1',
        script: 'echo $(params.blob)\n'.repeat(200),
      },
    ],
  };

  it('refuses scripts a Pod could not hold, before building them', () => {
    // 200 references to a 10 KB value: 2 MB of script from a small run and Task.
    const issues = invalid(
      {
        taskRef: { name: 'say' },
        params: [{ name: 'blob', value: 'x'.repeat(10_000) }],
      },
      long,
    );
    expect(issues).toEqual([
      {
        path: 'spec.params',
        message: expect.stringMatching(
          /^the scripts would take 2001400 bytes of the Pod once the params are substituted, more than a Pod can hold \(1572864\)/,
        ),
      },
    ]);
  });

  it('counts the bytes the Pod will carry: $ doubled for the kubelet, UTF-8, JSON escapes', () => {
    const once: TaskSpec = {
      ...long,
      steps: [{ ...(long.steps[0] as Step), script: 'echo $(params.blob)' }],
    };
    const given = (value: string) => ({
      taskRef: { name: 'say' },
      params: [{ name: 'blob', value }],
    });
    // Each under a million characters, each about two million bytes in the Pod.
    for (const value of ['$'.repeat(1_000_000), '€'.repeat(700_000), '\u0001'.repeat(350_000)]) {
      expect(invalid(given(value), once)).toEqual([
        {
          path: 'spec.params',
          message: expect.stringMatching(/^the scripts would take \d+ bytes/),
        },
      ]);
    }
    expect(resolveSteps(once, given('$'.repeat(700_000))).steps[0]?.script).toHaveLength(700_005);
  });

  it('refuses an amplification the controller could not even hold in memory', () => {
    // Ten billion characters: building them would take the controller down.
    const script = 'echo $(params.blob)\n'.repeat(100_000);
    const issues = invalid(
      { taskRef: { name: 'say' }, params: [{ name: 'blob', value: 'x'.repeat(100_000) }] },
      { ...long, steps: [{ name: 'say', image: 'registry.example.com/sh:1', script }] },
    );
    expect(issues[0]?.path).toBe('spec.params');
  });
});

describe('InvalidParamsError', () => {
  it('keeps its message short enough for a status, however many params are wrong', () => {
    // A run may name thousands of undeclared params; the message goes into its status.
    const params = Array.from({ length: 10_000 }, (_, i) => ({ name: `p${i}`, value: '' }));
    const error = new InvalidParamsError(invalid({ taskRef: { name: 'deploy' }, params }));
    expect(error.issues).toHaveLength(10_001);
    expect(error.message).toMatch(/^spec\.params\.0\.name: param "p0" is not declared/);
    expect(error.message.length).toBeLessThanOrEqual(1024);
  });
});
