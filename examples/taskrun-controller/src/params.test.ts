import type { TaskSpec } from '@roundhouse/pod';
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
