import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess, unreachableCluster } from '../test/support.js';

// A kubeconfig whose server nothing listens on: an error about the name shows it was refused
// before anything was sent (anything sent fails as unreachable).
let dir: string;
let kubeconfig: string;
beforeAll(async () => {
  ({ dir, kubeconfig } = await unreachableCluster({
    contexts:
      'contexts: [{ name: x, context: { cluster: c, user: u, namespace: Team_A } }, { name: y, context: { cluster: c, user: u } }]',
  }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const nameFix =
  'fix: a name is lowercase letters, digits, "-" and "." (at most 253), starting and ending with a letter or digit\n';
const namespaceFix =
  'fix: a namespace is lowercase letters, digits and "-" (at most 63), starting and ending with a letter or digit\n';

describe('object names on the command line', () => {
  it('are refused before anything is sent when no object can have them, naming the argument', async () => {
    for (const [args, kind] of [
      [['get', 'Restart_1'], 'WorkflowExecution'],
      [['describe', 'Restart_1'], 'WorkflowExecution'],
      [['watch', 'Restart_1'], 'WorkflowExecution'],
      [['logs', 'Restart_1'], 'WorkflowExecution'],
      [['delete', 'Restart_1'], 'WorkflowExecution'],
      [['taskrun', 'describe', 'Restart_1'], 'TaskRun'],
      [['taskrun', 'logs', 'Restart_1'], 'TaskRun'],
    ] as const) {
      const result = await inProcess(['--kubeconfig', kubeconfig, '--context', 'y', ...args]);
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: NAME: "Restart_1" is not a valid ${kind} name\n${nameFix}`,
      });
    }
    const task = await inProcess(['--kubeconfig', kubeconfig, 'task', 'start', 'a/b']);
    expect(task.stderr).toBe(`error: TASK: "a/b" is not a valid Task name\n${nameFix}`);
  });

  it('are quoted escaped and cut short', async () => {
    const { code, stderr } = await inProcess([
      '--kubeconfig',
      kubeconfig,
      'describe',
      `x\x1b[2J${'a'.repeat(10_000)}`,
    ]);
    expect(code).toBe(1);
    expect(stderr).not.toContain('\x1b');
    expect(stderr.split('\n')[0]).toBe(
      `error: NAME: "x\\u001b[2J${'a'.repeat(66)}... is not a valid WorkflowExecution name`,
    );
  });
});

describe('namespaces', () => {
  it('are refused before anything is sent, naming -n, --execution-namespace or the context', async () => {
    const explicit = await inProcess(['--kubeconfig', kubeconfig, '-n', 'Team_A', 'get']);
    expect(explicit).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: -n: "Team_A" is not a valid namespace\n${namespaceFix}`,
    });
    const fromContext = await inProcess(['--kubeconfig', kubeconfig, 'get']);
    expect(fromContext.stderr).toBe(
      `error: the namespace of context x: "Team_A" is not a valid namespace\n${namespaceFix}`,
    );
    const execution = await inProcess([
      '--kubeconfig',
      kubeconfig,
      '--context',
      'y',
      '--execution-namespace',
      'a/b',
      'locks',
    ]);
    expect(execution.stderr).toBe(
      `error: --execution-namespace: "a/b" is not a valid namespace\n${namespaceFix}`,
    );
  });

  it('that are valid reach the cluster', async () => {
    const { code, stderr } = await inProcess(['--kubeconfig', kubeconfig, '-n', 'team-a', 'get']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: no cluster reachable: /);
  });
});

describe('flag values that are refused', () => {
  it('are quoted cut short, however long they were', async () => {
    const huge = `x${'y'.repeat(100_000)}`;
    const run = ['--kubeconfig', kubeconfig, '--context', 'y', 'run', '--target', 'a/b/c'];
    for (const [flags, line] of [
      [['--engine', huge, '--bundle', 'r:1'], /^error: unknown engine "xy{75}\.\.\.$/],
      [
        ['--engine', 'job', '--bundle', 'r:1', '--name', huge],
        /^error: --name: "xy{75}\.\.\. is not a valid object name$/,
      ],
      [
        ['--engine', 'job', '--bundle', 'r:1', '-p', huge],
        /^error: -p: "xy{75}\.\.\. is not KEY=VALUE$/,
      ],
      [
        ['--engine', 'job', '--bundle', 'r:1', '--dependency', huge],
        /^error: --dependency: "xy{75}\.\.\. is not secret\/NAME or configmap\/NAME$/,
      ],
    ] as const) {
      const { code, stderr } = await inProcess([...run, ...flags]);
      expect(code).toBe(1);
      expect(stderr.split('\n')[0]).toMatch(line);
      expect(stderr.length).toBeLessThan(1_000);
    }
  });
});

describe('a name with -A', () => {
  it('is refused, as kubectl refuses it, instead of looking in the current namespace', async () => {
    for (const command of ['get', 'watch']) {
      expect(
        await inProcess(['--kubeconfig', kubeconfig, '--context', 'y', command, 'restart-1', '-A']),
      ).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'error: -A: cannot be combined with a name ("restart-1"): a name is looked up in one namespace\n' +
          'fix: drop -A and give the namespace with -n NAMESPACE, or drop the name to list every namespace\n',
      });
    }
  });
});
