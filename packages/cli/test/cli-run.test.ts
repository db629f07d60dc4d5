import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  jobRegistry,
  type RunningController,
  startController,
} from '../../../test/workflowexecution/harness.js';
import { stripColor } from './strip-color.js';
import { cli, cliOnTerminal, kubeconfigFile, normalize } from './support.js';

const esc = String.fromCharCode(27);

describeWithControlPlane('kubectl roundhouse against a controller whose Jobs complete', () => {
  const env = useTestNamespace({ prefix: 'cli-run' });
  let executionNamespace: string;
  let kubeconfig: string;
  let controller: RunningController;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    cli(['--execution-namespace', executionNamespace, ...args], { kubeconfig, env: extra });

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('cli-run-exec');
    kubeconfig = await kubeconfigFile(env.kubeConfig);
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      watchNamespace: env.namespace,
      executionNamespace,
      // Finished Jobs keep their lock for the whole file, so `locks` has something to show.
      cooldownMs: 600_000,
    });
  });

  afterAll(async () => {
    await controller?.stop();
  });

  const flags = (name: string) => [
    'run',
    '--engine',
    'job',
    '--target',
    `prod/deployment/${name}`,
    '--bundle',
    'registry.invalid/restart:1',
    '-p',
    'REPLICAS=3',
    '--name',
    name,
  ];

  it('runs an execution to Completed with --watch and exits 0, in plain lines on a pipe', async () => {
    const result = await run([...flags('restart-ok'), '--watch']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(esc);
    const lines = normalize(result.stdout, { [env.namespace]: '<ns>' })
      .trimEnd()
      .split('\n');
    // The steps before the end depend on how fast the controller is; each is printed once.
    expect(
      lines
        .slice(1, -2)
        .every((l) =>
          /^<ns>\/restart-ok: (waiting for the controller|Pending|Running \(execution wfe-<hash>\))$/.test(
            l,
          ),
        ),
    ).toBe(true);
    expect([lines[0], ...lines.slice(-2)]).toMatchInlineSnapshot(`
      [
        "workflowexecution.roundhouse.dev/restart-ok created",
        "<ns>/restart-ok: Completed in <elapsed>",
        "1 completed, 0 failed",
      ]
    `);
  });

  it('lists executions in a table, and shows one as YAML, JSON, a name, a jsonpath template or custom columns', async () => {
    const table = await run(['get']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME +PHASE +ENGINE +TARGET +AGE +REASON$/);
    expect(table.stdout).toMatch(
      /restart-ok\s+Completed\s+job\s+prod\/deployment\/restart-ok\s+\d+s/,
    );
    const wide = await run(['get', '-o', 'wide', '-A']);
    expect(wide.stdout).toMatch(
      new RegExp(
        `${env.namespace}\\s+restart-ok\\s+Completed.*restart:1\\s+wfe-[0-9a-f]{16}\\s+\\d+s`,
      ),
    );
    const yaml = parse((await run(['get', 'restart-ok', '-o', 'yaml'])).stdout);
    expect(yaml).toMatchObject({ kind: 'WorkflowExecution', status: { phase: 'Completed' } });
    expect(yaml.metadata.managedFields).toBeUndefined();
    const json = JSON.parse((await run(['get', '-o', 'json'])).stdout);
    expect(json).toMatchObject({ kind: 'List', items: [{ metadata: { name: 'restart-ok' } }] });
    expect((await run(['get', '-o', 'name'])).stdout).toBe(
      'workflowexecution.roundhouse.dev/restart-ok\n',
    );
    const ready = '{.status.conditions[?(@.type=="Ready")].status}';
    expect(await run(['get', 'restart-ok', '-o', `jsonpath={.status.phase} ${ready}`])).toEqual({
      code: 0,
      stdout: 'Completed True',
      stderr: '',
    });
    const names = await run([
      'get',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}',
    ]);
    expect(names).toEqual({ code: 0, stdout: 'restart-ok\tCompleted\n', stderr: '' });
    const columns = await run([
      'get',
      '-o',
      'custom-columns=NAME:.metadata.name,PHASE:.status.phase',
    ]);
    expect(columns.stdout).toBe('NAME         PHASE\nrestart-ok   Completed\n');
  });

  it('describes an execution: spec, status, conditions, its Job, and no events before its lock is released', async () => {
    const result = await run(['describe', 'restart-ok']);
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toMatch(/^Name: +restart-ok$/m);
    expect(text).toMatch(/^Parameters: +REPLICAS=3$/m);
    expect(text).toMatch(/^Phase: +Completed$/m);
    expect(text).toMatch(
      new RegExp(`^Execution: +Job ${executionNamespace}/wfe-[0-9a-f]{16} \\(present\\)$`, 'm'),
    );
    expect(text).toMatch(/^Conditions:\n {2}TYPE +STATUS +REASON +AGE +MESSAGE\n/m);
    expect(text).toMatch(/^ {2}Ready +True /m);
    // A success records its one Event when the cooldown ends; this file's cooldown is 10 min.
    expect(text).toMatch(/^Events:\n {2}<none>$/m);
  });

  it('lists the lock each finished execution still holds, with its target and owner', async () => {
    const result = await run(['locks']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^LOCK +KIND +TARGET +OWNER +AGE$/);
    expect(result.stdout).toMatch(
      new RegExp(
        // kubectl's age: 41s, then 2m41s and so on, however long the suite took to get here.
        `wfe-[0-9a-f]{16}\\s+Job\\s+prod/deployment/restart-ok\\s+${env.namespace}/restart-ok\\s+\\d+[smhdy]\\S*\\n`,
      ),
    );
  });

  it('redraws a live table in place on a terminal, coloured unless NO_COLOR is set', async () => {
    const result = await cliOnTerminal(
      ['--execution-namespace', executionNamespace, ...flags('restart-tty'), '--watch'],
      { kubeconfig },
    );
    expect(result.code).toBe(0);
    const screen = result.stdout;
    expect(screen).toContain(`${esc}[2K`); // log-update erases the previous frame's lines
    const seen = stripColor(screen);
    expect(seen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] +restart-tty +Running/);
    expect(seen).toMatch(/✔ +restart-tty +Completed/);
    expect(screen).toMatch(new RegExp(`${esc}\\[3[0-9]m`));
    expect(screen).toContain('1 completed, 0 failed');
    const plain = await cliOnTerminal(
      ['--execution-namespace', executionNamespace, 'watch', 'restart-tty'],
      { kubeconfig, env: { NO_COLOR: '1' } },
    );
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(new RegExp(`${esc}\\[3[0-9]m`));
    expect(plain.stdout).toMatch(/✔ +restart-tty +Completed/);
  });

  it('deletes an execution', async () => {
    const result = await run(['delete', 'restart-tty']);
    expect(result).toMatchObject({
      code: 0,
      stdout: 'workflowexecution.roundhouse.dev/restart-tty deleted\n',
    });
  });
});

describeWithControlPlane('kubectl roundhouse against a controller whose Jobs fail', () => {
  const env = useTestNamespace({ prefix: 'cli-fail' });
  let kubeconfig: string;
  let controller: RunningController;

  beforeAll(async () => {
    const executionNamespace = await env.controlPlane.createNamespace('cli-fail-exec');
    kubeconfig = await kubeconfigFile(env.kubeConfig);
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: jobRegistry(env.kubeConfig, { exitCode: 7 }),
      watchNamespace: env.namespace,
      executionNamespace,
    });
  });

  afterAll(async () => {
    await controller?.stop();
  });

  it('runs an execution to Failed with --watch and exits 1, saying why', async () => {
    const result = await cli(
      [
        'run',
        '--engine',
        'job',
        '--target',
        'prod/deployment/broken',
        '--bundle',
        'registry.invalid/restart:1',
        '--name',
        'restart-broken',
        '--watch',
      ],
      { kubeconfig },
    );
    expect(result.code).toBe(1);
    const lines = normalize(result.stdout, { [env.namespace]: '<ns>' })
      .trimEnd()
      .split('\n');
    expect(lines.slice(-2)).toMatchInlineSnapshot(`
      [
        "<ns>/restart-broken: Failed in <elapsed>: TaskFailed: Job has reached the specified backoff limit; container workflow in pod wfe-<hash>-<pod> exited with code 7 (Error)",
        "0 completed, 1 failed",
      ]
    `);
    const described = await cli(['describe', 'restart-broken'], { kubeconfig });
    expect(described.stdout).toMatch(
      /^Events:\n {2}TYPE +REASON +AGE +MESSAGE\n {2}Warning +WorkflowFailed +\S+ +Workflow restart failed: TaskFailed - /m,
    );
  });
});
