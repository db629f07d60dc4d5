import { kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import { configurationIssuesOf, sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { executionTask, executionTaskName } from './execution-task.js';

const onPath = { engine: 'process', conventions: roundhouseConventions };
const settings = { ...onPath, bundleRoot: '/opt/workflows' };
const overridable = { ...settings, allowCommandOverride: true };

describe('the task of an execution', () => {
  it('runs the execution bundle, named for the lock, with the parameters as environment', () => {
    const wfe = sampleExecution({ spec: { executionEngine: 'process' } });
    wfe.spec.workflowRef.executionBundle = 'restart.sh';
    expect(executionTask(wfe, undefined, settings)).toEqual({
      task: {
        name: 'wfe-c00449355dfb987a',
        labels: {
          'roundhouse.dev/workflow-execution': 'restart-api',
          'roundhouse.dev/workflow-id': 'restart-pod',
          'roundhouse.dev/target-resource': 'default__deployment__my-app',
          'roundhouse.dev/source-namespace': 'team-a',
          'roundhouse.dev/execution-engine': 'process',
        },
        annotations: {
          'roundhouse.dev/target-resource': 'default/deployment/my-app',
          'roundhouse.dev/workflow-execution-uid': 'uid-team-a-restart-api',
        },
        process: {
          command: ['/opt/workflows/restart.sh'],
          env: [
            { name: 'TARGET_RESOURCE', value: 'default/deployment/my-app' },
            { name: 'MODE', value: 'fast' },
            { name: 'REPLICAS', value: '3' },
          ],
        },
      },
      warnings: [],
    });
  });

  it('takes args, workingDir and execMode from engineConfig, and the timeout in seconds', () => {
    const wfe = sampleExecution({ spec: { executionConfig: { timeout: '1m30.5s' } } });
    wfe.spec.workflowRef.executionBundle = 'team/restart';
    wfe.spec.workflowRef.engineConfig = {
      args: ['--fast'],
      workingDir: '/srv',
      execMode: 'Remote',
    };
    expect(executionTask(wfe, undefined, overridable).task.process).toMatchObject({
      command: ['/opt/workflows/team/restart'],
      args: ['--fast'],
      workingDir: '/srv',
      execMode: 'Remote',
      timeoutSeconds: 91,
    });
  });

  it.each([
    ['command', { command: ['/bin/sh', '-c', 'cat /var/run/secrets/token'] }, 'executionBundle'],
    [
      'lifecycle',
      { lifecycle: { preStart: { exec: { command: ['/bin/sh', '-c', 'id'] } } } },
      'executionBundle',
    ],
    ['execMode', { execMode: 'Local' }, "the agent's token"],
    ['args', { args: ['-c', 'cat /var/run/secrets/token'] }, 'spec.parameters'],
    ['workingDir', { workingDir: '/etc' }, 'a directory of the host'],
  ])(
    'refuses engineConfig.%s, which would run past the bundle policy, by default',
    (key, config, why) => {
      const wfe = sampleExecution();
      wfe.spec.workflowRef.executionBundle = 'ok';
      wfe.spec.workflowRef.engineConfig = config;
      const [issue, ...rest] = configurationIssuesOf(() => executionTask(wfe, undefined, settings));
      expect(rest).toEqual([]);
      expect(issue?.path).toBe(`spec.workflowRef.engineConfig.${key}`);
      expect(issue?.message).toContain(why);
      expect(issue?.message).toContain('allowCommandOverride');
    },
  );

  it('refuses a workingDir by default, with a bundle directory or without', () => {
    const wfe = sampleExecution();
    wfe.spec.workflowRef.engineConfig = { workingDir: '/var/run/secrets' };
    wfe.spec.workflowRef.executionBundle = 'restart';
    for (const engine of [onPath, settings]) {
      expect(configurationIssuesOf(() => executionTask(wfe, undefined, engine))).toEqual([
        {
          path: 'spec.workflowRef.engineConfig.workingDir',
          message: expect.stringMatching(/^is not allowed: .*host.*allowCommandOverride/),
        },
      ]);
    }
    expect(
      executionTask(wfe, undefined, { ...onPath, allowCommandOverride: true }).task.process,
    ).toMatchObject({ command: ['restart'], workingDir: '/var/run/secrets' });
    wfe.spec.workflowRef.engineConfig = {};
    expect(executionTask(wfe, undefined, onPath).task.process.command).toEqual(['restart']);
  });

  it('refuses a bundle with a "/" when there is no bundle directory to find it in', () => {
    const wfe = sampleExecution();
    wfe.spec.workflowRef.executionBundle = 'team/restart';
    expect(configurationIssuesOf(() => executionTask(wfe, undefined, onPath))).toEqual([
      { path: 'spec.workflowRef.executionBundle', message: expect.stringContaining('bundleRoot') },
    ]);
    // engineConfig.command replaces the bundle, which then names no program.
    wfe.spec.workflowRef.engineConfig = { command: ['/bin/true'] };
    const allowed = { ...onPath, allowCommandOverride: true };
    expect(executionTask(wfe, undefined, allowed).task.process.command).toEqual(['/bin/true']);
  });

  it('names both overrides when both are refused', () => {
    const wfe = sampleExecution();
    wfe.spec.workflowRef.engineConfig = {
      command: ['true'],
      lifecycle: { postStop: { exec: { command: ['true'] } } },
    };
    expect(
      configurationIssuesOf(() => executionTask(wfe, undefined, settings)).map((i) => i.path),
    ).toEqual(['spec.workflowRef.engineConfig.command', 'spec.workflowRef.engineConfig.lifecycle']);
  });

  it('takes command from engineConfig where the engine allows overrides', () => {
    const wfe = sampleExecution({ spec: { executionConfig: { timeout: '1m30.5s' } } });
    wfe.spec.workflowRef.engineConfig = {
      command: ['/bin/sh', '-c'],
      args: ['echo "$MODE"'],
      workingDir: '/srv',
      execMode: 'Remote',
    };
    expect(executionTask(wfe, undefined, overridable).task.process).toMatchObject({
      command: ['/bin/sh', '-c'],
      args: ['echo "$MODE"'],
      workingDir: '/srv',
      execMode: 'Remote',
      timeoutSeconds: 91,
    });
  });

  it('passes lifecycle hooks from engineConfig to the task where the engine allows overrides', () => {
    const wfe = sampleExecution();
    const lifecycle = {
      preStart: { exec: { command: ['mkdir', '-p', '/work'] }, timeoutSeconds: 30 },
      postStop: { exec: { command: ['rm', '-rf', '/work'] }, execMode: 'Remote' },
    };
    wfe.spec.workflowRef.engineConfig = { lifecycle };
    expect(executionTask(wfe, undefined, overridable).task.process.lifecycle).toEqual(lifecycle);
  });

  it('uses the default timeout when the execution has none', () => {
    const task = executionTask(sampleExecution(), undefined, {
      ...settings,
      defaultTimeout: '10m',
    });
    expect(task.task.process.timeoutSeconds).toBe(600);
  });

  it("records the owner's uid, so a new incarnation of the same name is not the owner", () => {
    const wfe = sampleExecution();
    wfe.metadata.uid = '6f1e-uid';
    expect(executionTask(wfe, undefined, settings).task.annotations).toMatchObject({
      'roundhouse.dev/workflow-execution-uid': '6f1e-uid',
    });
  });

  it('labels with the conventions it is given', () => {
    const { task } = executionTask(sampleExecution(), undefined, {
      ...settings,
      engine: 'agent',
      conventions: kubernautConventions,
    });
    expect(Object.keys(task.labels ?? {}).every((k) => k.startsWith('kubernaut.ai/'))).toBe(true);
  });

  it.each([
    [{ comand: ['x'] }, 'spec.workflowRef.engineConfig'],
    [{ command: [] }, 'spec.workflowRef.engineConfig.command'],
    [{ workingDir: 'relative' }, 'spec.workflowRef.engineConfig.workingDir'],
    [{ execMode: 'Elsewhere' }, 'spec.workflowRef.engineConfig.execMode'],
    [
      { lifecycle: { postStp: { exec: { command: ['x'] } } } },
      'spec.workflowRef.engineConfig.lifecycle',
    ],
    [
      { lifecycle: { postStop: { exec: { command: [] } } } },
      'spec.workflowRef.engineConfig.lifecycle.postStop.exec.command',
    ],
    [
      { lifecycle: { preStart: { run: ['x'] } } },
      'spec.workflowRef.engineConfig.lifecycle.preStart.exec',
    ],
    ['run.sh', 'spec.workflowRef.engineConfig'],
  ])('refuses engineConfig %j naming %s', (engineConfig, path) => {
    const wfe = sampleExecution();
    wfe.spec.workflowRef.engineConfig = engineConfig;
    expect(configurationIssuesOf(() => executionTask(wfe, undefined, settings))[0]?.path).toBe(
      path,
    );
  });

  it('refuses a bad timeout, a bad parameter and dependencies it cannot mount', () => {
    expect(
      configurationIssuesOf(() =>
        executionTask(
          sampleExecution({ spec: { executionConfig: { timeout: '0s' } } }),
          undefined,
          settings,
        ),
      )[0]?.path,
    ).toBe('spec.executionConfig.timeout');
    expect(
      configurationIssuesOf(() =>
        executionTask(
          sampleExecution({ spec: { parameters: { 'BAD-NAME': '1' } } }),
          undefined,
          settings,
        ),
      )[0]?.path,
    ).toBe('spec.parameters.BAD-NAME');
    expect(
      configurationIssuesOf(() =>
        executionTask(sampleExecution(), { secrets: [{ name: 's' }] }, settings),
      )[0]?.path,
    ).toBe('spec.dependencies');
  });

  it('names the timeout an author wrote when it is too long for a task', () => {
    const wfe = sampleExecution({ spec: { executionConfig: { timeout: '596524h' } } });
    expect(configurationIssuesOf(() => executionTask(wfe, undefined, settings))).toEqual([
      {
        path: 'spec.executionConfig.timeout',
        message: '"596524h" is longer than a task\'s longest timeout, 2147483647s (about 68 years)',
      },
    ]);
    expect(
      configurationIssuesOf(() =>
        executionTask(sampleExecution(), undefined, { ...settings, defaultTimeout: '600000h' }),
      )[0]?.path,
    ).toBe('defaultTimeout');
  });

  it.each([
    [{ command: ['/bin/sh', 'a\0b'] }, 'spec.workflowRef.engineConfig.command.1'],
    [{ args: ['ok', 'a\0b'] }, 'spec.workflowRef.engineConfig.args.1'],
    [{ workingDir: '/srv\0/x' }, 'spec.workflowRef.engineConfig.workingDir'],
    [
      { lifecycle: { preStart: { exec: { command: ['a\0b'] } } } },
      'spec.workflowRef.engineConfig.lifecycle.preStart.exec.command.0',
    ],
    [
      { lifecycle: { postStop: { exec: { command: ['x'] }, timeoutSeconds: 2 ** 31 } } },
      'spec.workflowRef.engineConfig.lifecycle.postStop.timeoutSeconds',
    ],
  ])('refuses engineConfig %j at the field written', (engineConfig, path) => {
    const wfe = sampleExecution();
    wfe.spec.workflowRef.engineConfig = engineConfig;
    const issues = configurationIssuesOf(() => executionTask(wfe, undefined, overridable));
    expect(issues.map((i) => i.path)).toEqual([path]);
    expect(issues[0]?.message).toMatch(/^must (not contain NUL|be at most 2147483647)/);
  });

  it('names the parameter, or the bundle, whose value a task cannot carry', () => {
    const wfe = sampleExecution({ spec: { parameters: { MODE: 'fast\0slow' } } });
    expect(configurationIssuesOf(() => executionTask(wfe, undefined, settings))).toEqual([
      { path: 'spec.parameters.MODE', message: 'must not contain NUL' },
    ]);
    const bundle = sampleExecution();
    bundle.spec.workflowRef.executionBundle = 'restart\0';
    expect(configurationIssuesOf(() => executionTask(bundle, undefined, settings))[0]?.path).toBe(
      'spec.workflowRef.executionBundle',
    );
  });

  it("refuses a parameter named as the variable the supervisor marks a task's processes with", () => {
    // The supervisor sets it to the task's uid over whatever the request holds: the author's
    // value would be dropped without a word.
    const wfe = sampleExecution({ spec: { parameters: { ROUNDHOUSE_TASK_UID: 'other-uid' } } });
    expect(configurationIssuesOf(() => executionTask(wfe, undefined, settings))).toEqual([
      {
        path: 'spec.parameters.ROUNDHOUSE_TASK_UID',
        message:
          "is set by the supervisor to the task's uid, to find the task's processes by: pass the value under another name",
      },
    ]);
  });

  it('refuses an argument or a working directory the kernel would not start the task with, naming each', () => {
    // The supervisor would record the task and fail it at its exec (E2BIG) or chdir.
    const wfe = sampleExecution();
    wfe.spec.workflowRef.engineConfig = {
      command: ['/bin/echo', 'é'.repeat(65_536)],
      args: ['ok', 'x'.repeat(131_072)],
      workingDir: `/srv/${'d'.repeat(256)}`,
    };
    const issues = configurationIssuesOf(() => executionTask(wfe, undefined, overridable));
    expect(issues.map((i) => i.path)).toEqual([
      'spec.workflowRef.engineConfig.command.1',
      'spec.workflowRef.engineConfig.args.1',
      'spec.workflowRef.engineConfig.workingDir',
    ]);
    expect(issues[0]?.message).toBe(
      'is 131072 bytes; the kernel passes at most 131071 bytes as one argument: pass a file the program reads instead',
    );
    // Just within the limits, the task is built.
    wfe.spec.workflowRef.engineConfig = {
      args: ['x'.repeat(131_071)],
      workingDir: `${`/${'d'.repeat(255)}`.repeat(15)}/${'e'.repeat(254)}`,
    };
    expect(executionTask(wfe, undefined, overridable).task.process.workingDir).toHaveLength(4095);
  });

  it("refuses a lifecycle hook's argument the kernel would not exec the hook with, naming it", () => {
    // The hook's argv goes to execve as the command's does: recorded, the hook would never run.
    const wfe = sampleExecution();
    wfe.spec.workflowRef.engineConfig = {
      lifecycle: {
        preStart: { exec: { command: ['/bin/echo', 'x'.repeat(131_072)] } },
        postStop: { exec: { command: ['é'.repeat(65_536)] } },
      },
    };
    const issues = configurationIssuesOf(() => executionTask(wfe, undefined, overridable));
    expect(issues.map((i) => i.path)).toEqual([
      'spec.workflowRef.engineConfig.lifecycle.preStart.exec.command.1',
      'spec.workflowRef.engineConfig.lifecycle.postStop.exec.command.0',
    ]);
    expect(issues[0]?.message).toBe(
      'is 131072 bytes; the kernel passes at most 131071 bytes as one argument: pass a file the program reads instead',
    );
    // Just within the limit, the task is built with its hook.
    wfe.spec.workflowRef.engineConfig = {
      lifecycle: { postStop: { exec: { command: ['/bin/echo', 'x'.repeat(131_071)] } } },
    };
    expect(
      executionTask(wfe, undefined, overridable).task.process.lifecycle?.postStop?.exec.command,
    ).toHaveLength(2);
  });

  it('warns about what it cannot honour', () => {
    const wfe = sampleExecution({ spec: { executionConfig: { serviceAccountName: 'runner' } } });
    wfe.spec.workflowRef.executionBundleDigest = 'sha256:abc';
    expect(executionTask(wfe, { secrets: [] }, settings).warnings).toEqual([
      "spec.executionConfig.serviceAccountName is ignored: the process engine runs tasks as the agent's user",
      'spec.workflowRef.executionBundleDigest is not checked by the process engine',
    ]);
  });

  it('is found by executionRef, else by the lock name', () => {
    const wfe = sampleExecution();
    expect(executionTaskName(wfe, roundhouseConventions)).toBe('wfe-c00449355dfb987a');
    expect(
      executionTaskName(
        { ...wfe, status: { executionRef: { name: 'other' } } },
        roundhouseConventions,
      ),
    ).toBe('other');
  });
});
