import { Informer } from '@roundhouse/controller';
import { KubeClient, type KubeObject, type PodLogOptions, resources } from '@roundhouse/kube';
import { taskRuns } from '@roundhouse/pod';
import {
  containerOutcomes,
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import {
  createTask,
  patience,
  startController,
  step,
  type TaskRunObject,
} from '../../../examples/taskrun-controller/test/harness.js';
import { cli, inProcess, kubeconfigFile, kubectlTask, normalize } from './support.js';

/** Columns with one space between them: their widths follow the run's random names and times. */
const squeeze = (text: string) => text.replace(/ +/g, ' ');

describeWithControlPlane('kubectl roundhouse task and taskrun, with the TaskRun controller', () => {
  const env = useTestNamespace({ prefix: 'cli-task' });
  let client: KubeClient;
  let kubeconfig: string;
  let stop: () => Promise<void>;
  const globals = () => ['--kubeconfig', kubeconfig, '-n', env.namespace];
  const run = (args: string[]) => cli([...globals(), ...args], { kubeconfig });

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    kubeconfig = await kubeconfigFile(env.kubeConfig);
    ({ stop } = await startController({ kubeConfig: env.kubeConfig, namespace: env.namespace }));
    // One step, or parallel steps: KWOK runs main containers only, so their outcomes can be set.
    await createTask(client, env.namespace, 'hello', {
      params: [{ name: 'greeting', default: 'hello' }],
      steps: [step('hello', 'echo $(params.greeting)')],
    });
    await createTask(client, env.namespace, 'checks', {
      parallel: true,
      steps: [step('lint'), step('test')],
    });
  });
  afterAll(async () => stop?.());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /**
   * Plays the step containers' outcome for the one run of `task` not yet driven: once its Pod
   * exists, the control annotation makes KWOK finish it.
   */
  const driven = new Set<string>();
  async function finishRunOf(task: string, annotations: Record<string, string>) {
    const pod = await vi.waitFor(async () => {
      const { items } = await client.list<TaskRunObject>(taskRuns, env.namespace);
      const found = items.find(
        (r) =>
          (r.spec as { taskRef?: { name?: string } }).taskRef?.name === task &&
          r.status?.podName &&
          !driven.has(r.metadata?.name ?? ''),
      );
      expect(found).toBeDefined();
      driven.add(found?.metadata?.name ?? '');
      return found?.status?.podName as string;
    }, patience);
    await client.patch(
      resources.pods,
      env.namespace,
      pod,
      { metadata: { annotations } },
      { strategy: 'merge' },
    );
    return pod;
  }

  const runNameIn = (stdout: string) => /TaskRun (\S+-run-[a-z0-9]{5}) created/.exec(stdout)?.[1];

  it('start --watch follows a run to Succeeded and exits 0, in plain lines on a pipe', async () => {
    const [result] = await Promise.all([
      run(['task', 'start', 'hello', '-p', 'greeting=hi', '--watch']),
      finishRunOf('hello', { [podControls.exitCode]: '0' }),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const name = runNameIn(result.stdout) as string;
    const lines = normalize(result.stdout, { [name]: '<run>' })
      .trimEnd()
      .split('\n');
    // Which steps in between are seen depends on how fast the controller is; each once.
    expect(
      lines
        .slice(1, -1)
        .every((l) =>
          /^(TaskRun <run>: (waiting for the controller|Pending.*)|step hello: (Running|Succeeded \(exit code 0\)))$/.test(
            l,
          ),
        ),
    ).toBe(true);
    expect(new Set(lines).size).toBe(lines.length);
    expect([lines[0], lines.at(-1)]).toEqual([
      'TaskRun <run> created successfully',
      'TaskRun <run> Succeeded in <elapsed>',
    ]);

    const described = await run(['taskrun', 'describe', name]);
    expect(described.code).toBe(0);
    expect(
      squeeze(normalize(described.stdout, { [name]: '<run>', [env.namespace]: '<ns>' })).replace(
        /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g,
        '<time>',
      ),
    ).toBe(
      [
        'Name: <run>',
        'Namespace: <ns>',
        'Created: <time> (<elapsed> ago)',
        'Task: hello',
        'Params: greeting=hi',
        'Phase: Succeeded',
        'Reason: Succeeded',
        'Message: all 1 step(s) succeeded',
        'Pod: wfe-<hash>',
        'Started: <time>',
        'Completed: <time>',
        'Duration: <elapsed>',
        'Steps:',
        ' STEP STATE EXIT DURATION REASON',
        ' hello Succeeded 0 <elapsed> Completed',
        '',
      ].join('\n'),
    );
  });

  it('start --watch exits 1 when a step fails, naming the step and its exit code', async () => {
    const [result] = await Promise.all([
      run(['task', 'start', 'checks', '--watch']),
      finishRunOf('checks', containerOutcomes({ lint: { exitCode: 0 }, test: { exitCode: 4 } })),
    ]);
    expect(result.code).toBe(1);
    const name = runNameIn(result.stdout) as string;
    const lines = normalize(result.stdout, { [name]: '<run>' })
      .trimEnd()
      .split('\n');
    expect(lines).toContain('step test: Failed (exit code 4, Error)');
    expect(lines.at(-1)).toBe(
      'TaskRun <run> Failed in <elapsed>: StepFailed: step test exited with code 4 (Error)',
    );
  });

  it('lists Tasks and TaskRuns', async () => {
    const tasks = await run(['task', 'list']);
    expect(tasks.code).toBe(0);
    expect(tasks.stdout).toMatch(/^NAME {5}STEPS {7}PARAMS {11}PARALLEL {3}AGE\n/);
    expect(squeeze(normalize(tasks.stdout, {}))).toBe(
      [
        'NAME STEPS PARAMS PARALLEL AGE',
        'checks lint,test true <elapsed>',
        'hello hello greeting=hello false <elapsed>',
        '',
      ].join('\n'),
    );
    const runs = await run(['taskrun', 'list']);
    expect(runs.code).toBe(0);
    expect(
      squeeze(normalize(runs.stdout, {})).replace(/(hello|checks)-run-[a-z0-9]{5}/g, '$1-run-<id>'),
    ).toBe(
      [
        'NAME TASK PHASE REASON STEP DURATION AGE',
        'hello-run-<id> hello Succeeded Succeeded 1/1 <elapsed> <elapsed>',
        'checks-run-<id> checks Failed StepFailed 1/2 <elapsed> <elapsed>',
        '',
      ].join('\n'),
    );
  });

  it("start --showlog streams the steps' logs to the end; taskrun logs reads them again", async () => {
    const reads: { pod: string; options: PodLogOptions }[] = [];
    vi.spyOn(KubeClient.prototype, 'logs').mockImplementation(async function* (
      _ns,
      pod,
      options = {},
    ) {
      reads.push({ pod, options });
      yield `${options.container} says hi`;
    });
    const [result, pod] = await Promise.all([
      inProcess([...globals(), 'task', 'start', 'hello', '--showlog']),
      finishRunOf('hello', { [podControls.exitCode]: '0' }),
    ]);
    expect(result.code).toBe(0);
    const name = runNameIn(result.stdout) as string;
    expect(normalize(result.stdout, { [name]: '<run>' })).toBe(
      'TaskRun <run> created successfully\n[hello] hello says hi\nTaskRun <run> Succeeded in <elapsed>\n',
    );
    expect(reads).toEqual([
      { pod, options: expect.objectContaining({ container: 'hello', follow: true }) },
    ]);
    const again = await inProcess([...globals(), 'taskrun', 'logs', name]);
    expect(again).toEqual({ code: 0, stdout: '[hello] hello says hi\n', stderr: '' });
  });

  it('taskrun describe names a run that does not exist, and how to list them', async () => {
    const result = await run(['taskrun', 'describe', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: TaskRun "nope" not found in namespace ${env.namespace}\nfix: list what exists with: kubectl roundhouse taskrun list -n ${env.namespace}\n`,
    );
  });

  it('kubectl task start works as in mini-task; usage mistakes exit 1', async () => {
    const alias = (args: string[]) =>
      kubectlTask(['--kubeconfig', kubeconfig, '-n', env.namespace, ...args], { kubeconfig });
    const started = await alias(['start', 'hello']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^TaskRun hello-run-[a-z0-9]{5} created successfully\n$/);
    const name = runNameIn(started.stdout) as string;
    expect(await client.get(taskRuns, env.namespace, name)).toMatchObject({
      spec: { taskRef: { name: 'hello' } },
    });

    const missing = await alias(['start']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: missing required argument 'task'");
    expect(missing.stderr).toContain('Usage: kubectl task start [options] <task>');

    const unknown = await alias(['stop', 'hello']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split('\n').slice(0, 2)).toEqual([
      'Invalid Command',
      'Usage: kubectl task [options] <command>',
    ]);
  });

  it('start --watch ends, exit 1, when the run is deleted before its watch lists it', async () => {
    const before = new Set(
      (await client.list<TaskRunObject>(taskRuns, env.namespace)).items.map(
        (r) => r.metadata?.name,
      ),
    );
    // The deletion lands after the CLI created the run and before its informer lists: no
    // delete event ever comes. The TaskRun controller puts no finalizer on a run.
    const start = Informer.prototype.start;
    vi.spyOn(Informer.prototype, 'start').mockImplementation(async function (
      this: Informer<KubeObject>,
    ) {
      const { items } = await client.list<TaskRunObject>(taskRuns, env.namespace);
      for (const created of items.filter((r) => !before.has(r.metadata?.name))) {
        await client.delete(taskRuns, env.namespace, created.metadata?.name as string);
      }
      return start.call(this);
    });
    const result = await inProcess([...globals(), 'task', 'start', 'hello', '--watch']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^TaskRun (hello-run-[a-z0-9]{5}) created successfully\nTaskRun \1 was deleted; its final state was not seen\n$/,
    );
  });

  it('start --watch interrupted while it was still starting exits 130 instead of following', async () => {
    // Ctrl-C came before the follow began: the run is created, and nothing drives its Pod, so
    // a follow that missed the interrupt would wait for ever.
    const result = await inProcess(
      [...globals(), 'task', 'start', 'checks', '--watch'],
      undefined,
      AbortSignal.abort(),
    );
    expect(result.code).toBe(130);
    const name = runNameIn(result.stdout) as string;
    expect(name).toMatch(/^checks-run-/);
    driven.add(name);
    await client.delete(taskRuns, env.namespace, name);
  });
});
