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

/** The TaskRun the steps are resolved for. */
const context = { name: 'deploy-prod-1', namespace: 'ci', uid: 'run-uid' };

function invalid(run: Parameters<typeof resolveSteps>[1], spec: TaskSpec = task) {
  try {
    resolveSteps(spec, run, context);
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
    const config = resolveSteps(
      task,
      { taskRef: { name: 'deploy' }, params: [{ name: 'target', value: 'prod' }] },
      context,
    );
    expect(config.steps.map((s) => s.script)).toEqual(['plan prod', 'apply --mode=fast prod prod']);
    expect(config.parallel).toBeUndefined();
    expect(
      resolveSteps(
        { ...task, parallel: true },
        {
          taskRef: { name: 'deploy' },
          params: [{ name: 'target', value: 'x' }],
        },
        context,
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

  it("substitutes Tekton's bracket spellings, $(params['name']) and $(params[\"name\"])", () => {
    const spec: TaskSpec = {
      params: [{ name: 'who' }, { name: 'greeting', default: 'hi' }],
      steps: [
        {
          name: 'say',
          image: 'registry.example.com/sh:1',
          script: `echo $(params['greeting']) $(params["who"]) $(params.who)`,
        },
      ],
    };
    const run = { taskRef: { name: 'say' }, params: [{ name: 'who', value: 'ünï $1 $&' }] };
    expect(resolveSteps(spec, run, context).steps[0]?.script).toBe('echo hi ünï $1 $& ünï $1 $&');
    const undeclared: TaskSpec = {
      ...spec,
      steps: [{ name: 'say', image: 'registry.example.com/sh:1', script: `$(params["whom"])` }],
    };
    expect(invalid(run, undeclared)).toEqual([
      {
        path: 'task.spec.steps.0.script',
        message: 'step say refers to param "whom", which the Task does not declare',
      },
    ]);
  });

  it('refuses $(params. text that is no reference, which the shell would run as a command', () => {
    const spec: TaskSpec = {
      params: [{ name: 'cfg', default: 'x' }],
      steps: [
        // Tekton's object key and array, and a reference left open.
        { name: 'a', image: 'registry.example.com/sh:1', script: 'echo $(params.cfg.key)' },
        { name: 'b', image: 'registry.example.com/sh:1', script: 'echo $(params.cfg[*]) ok' },
        { name: 'c', image: 'registry.example.com/sh:1', script: 'echo $(params.cfg\necho' },
        { name: 'd', image: 'registry.example.com/sh:1', script: 'echo $(params["a.b"]) \u001b' },
      ],
    };
    expect(invalid({ taskRef: { name: 't' } }, spec)).toEqual([
      {
        path: 'task.spec.steps.0.script',
        message: `step a holds "$(params.cfg.key)", which is no reference to a param: write $(params.<name>), $(params['<name>']) or $(params["<name>"]) (params are strings)`,
      },
      {
        path: 'task.spec.steps.1.script',
        message: expect.stringMatching(/^step b holds "\$\(params\.cfg\[\*\]\) ok", which is no/),
      },
      {
        path: 'task.spec.steps.2.script',
        message: expect.stringMatching(/^step c holds "\$\(params\.cfg", which is no/),
      },
      {
        path: 'task.spec.steps.3.script',
        message: expect.stringMatching(/^step d holds "\$\(params\["a\.b"\]\) \\x1b", which is no/),
      },
    ]);
  });

  it("substitutes Tekton's context variables with the run's name, namespace, uid, Task and retry count", () => {
    const spec: TaskSpec = {
      params: [{ name: 'note', default: '$(context.taskRun.uid)' }],
      steps: [
        {
          name: 'say',
          image: 'registry.example.com/sh:1',
          script:
            'echo $(context.taskRun.name) $(context.taskRun.namespace) $(context.taskRun.uid) $(context.task.name) $(context.task.retry-count) $(params.note)',
        },
      ],
    };
    // A param's value is pasted as it is, not searched for references in turn.
    expect(resolveSteps(spec, { taskRef: { name: 'say' } }, context).steps[0]?.script).toBe(
      'echo deploy-prod-1 ci run-uid say 0 $(context.taskRun.uid)',
    );
  });

  it('refuses $(context. text that is no variable Tekton defines, naming the step and the text', () => {
    const spec: TaskSpec = {
      steps: [
        {
          name: 'a',
          image: 'registry.example.com/sh:1',
          script: 'echo $(context.pipelineRun.name) $(context.taskRun.name)',
        },
        { name: 'b', image: 'registry.example.com/sh:1', script: 'echo $(context.taskRun.name' },
        {
          name: 'c',
          image: 'registry.example.com/sh:1',
          script: 'echo $(params.x.y) $(context.x)',
        },
      ],
    };
    expect(invalid({ taskRef: { name: 't' } }, spec)).toEqual([
      {
        path: 'task.spec.steps.0.script',
        message:
          'step a holds "$(context.pipelineRun.name) $(context.ta", which is no context variable this controller substitutes: write $(context.taskRun.name), $(context.taskRun.namespace), $(context.taskRun.uid), $(context.task.name) or $(context.task.retry-count)',
      },
      {
        path: 'task.spec.steps.1.script',
        message: expect.stringMatching(
          /^step b holds "\$\(context\.taskRun\.name", which is no context/,
        ),
      },
      {
        path: 'task.spec.steps.2.script',
        message: expect.stringMatching(
          /^step c holds "\$\(params\.x\.y\) \$\(context\.x\)", which is no reference to a param/,
        ),
      },
      {
        path: 'task.spec.steps.2.script',
        message: expect.stringMatching(/^step c holds "\$\(context\.x\)", which is no context/),
      },
    ]);
  });

  it('leaves other $(...) text alone', () => {
    const spec: TaskSpec = {
      steps: [{ name: 'say', image: 'registry.example.com/sh:1', script: 'echo $(date) $HOME' }],
    };
    expect(resolveSteps(spec, { taskRef: { name: 'say' } }, context).steps[0]?.script).toBe(
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
    expect(resolveSteps(once, given('$'.repeat(700_000)), context).steps[0]?.script).toHaveLength(
      700_005,
    );
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
