import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it } from 'vitest';
import { ensureTaskRunCrds } from '../../../examples/taskrun-controller/src/install.js';
import { createTask, step } from '../../../examples/taskrun-controller/test/harness.js';
import { cli, inProcess, kubeconfigFile } from './support.js';

/** `run` of a job execution named `<target>-1` on the Deployment `target`, with more flags. */
const runArgs = (target: string, ...flags: string[]) => [
  'run',
  '--engine',
  'job',
  '--target',
  `prod/deployment/${target}`,
  '--bundle',
  'registry.invalid/r:1',
  ...flags,
  '--name',
  `${target}-1`,
];

describeWithControlPlane('kubectl roundhouse with no controller running', () => {
  const env = useTestNamespace({ prefix: 'cli-unclaimed' });

  it('watch, run --watch and logs -f end with the missing controller named, instead of waiting for ever', async () => {
    const admin = new KubeClient(env.kubeConfig);
    await ensureWorkflowExecutionCrd(admin).finally(() => admin.close());
    const kubeconfig = await kubeconfigFile(env.kubeConfig);
    const run = [
      '--kubeconfig',
      kubeconfig,
      'run',
      '--engine',
      'job',
      '--target',
      'prod/deployment/unclaimed',
      '--bundle',
      'registry.invalid/r:1',
      '--name',
      'unclaimed-1',
    ];
    // Nothing here writes a status: this control plane runs no WorkflowExecution controller.
    const limit = 1_000;
    const watched = await inProcess([...run, '--watch'], undefined, undefined, limit);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain('workflowexecution.roundhouse.dev/unclaimed-1 created\n');
    expect(watched.stderr).toBe(
      `error: no controller took up the execution within 1 s (no status was written): ${env.namespace}/unclaimed-1\n` +
        `fix: check that the WorkflowExecution controller runs and watches namespace ${env.namespace}; the execution stays and will run once one does (follow again with kubectl roundhouse watch)\n`,
    );
    const again = await inProcess(
      ['--kubeconfig', kubeconfig, 'watch', 'unclaimed-1'],
      undefined,
      undefined,
      limit,
    );
    expect(again).toMatchObject({ code: 1, stderr: watched.stderr });
    const followed = await inProcess(
      ['--kubeconfig', kubeconfig, 'logs', '-f', 'unclaimed-1'],
      undefined,
      undefined,
      limit,
    );
    expect(followed).toMatchObject({ code: 1, stdout: '', stderr: watched.stderr });
    // The execution was created and stays: the watch failed, not the run.
    expect((await cli(['get', 'unclaimed-1', '-o', 'name'], { kubeconfig })).stdout).toBe(
      'workflowexecution.roundhouse.dev/unclaimed-1\n',
    );
  });

  it('watch ends when a started execution stays unfinished well past its deadline, as when its controller died', async () => {
    const admin = new KubeClient(env.kubeConfig);
    try {
      await ensureWorkflowExecutionCrd(admin);
      const kubeconfig = await kubeconfigFile(env.kubeConfig);
      const created = await cli([...runArgs('orphaned', '--timeout', '1s')], { kubeconfig });
      expect(created.code).toBe(0);
      // What a controller that started it and then died leaves: Running, for good.
      const startTime = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
      await admin.patch(
        workflowExecutions,
        env.namespace,
        'orphaned-1',
        { status: { phase: 'Running', startTime } },
        { subresource: 'status', strategy: 'merge' },
      );
      const deadline = new Date(Date.parse(startTime) + 1_000).toISOString();
      const watched = await inProcess(
        ['--kubeconfig', kubeconfig, 'watch', 'orphaned-1'],
        undefined,
        undefined,
        1_000,
      );
      expect(watched).toMatchObject({
        code: 1,
        stderr:
          `error: no controller ended the execution within 1 s of its deadline: ${env.namespace}/orphaned-1 (deadline ${deadline})\n` +
          `fix: check that the WorkflowExecution controller runs and watches namespace ${env.namespace}; once one does it stops it as DeadlineExceeded (follow again with kubectl roundhouse watch)\n`,
      });
    } finally {
      await admin.close();
    }
  });

  it('task start --watch, --showlog and taskrun logs -f end with the missing TaskRun controller named', async () => {
    const admin = new KubeClient(env.kubeConfig);
    try {
      await ensureTaskRunCrds(admin);
      await createTask(admin, env.namespace, 'lonely', { steps: [step('hello')] });
    } finally {
      await admin.close();
    }
    const kubeconfig = await kubeconfigFile(env.kubeConfig);
    const globals = ['--kubeconfig', kubeconfig, '-n', env.namespace];
    // Nothing here writes a TaskRun status: this control plane runs no TaskRun controller.
    const limit = 1_000;
    const expected = (name: string) =>
      `error: no controller took up the TaskRun within 1 s (no status was written): ${env.namespace}/${name}\n` +
      `fix: check that the TaskRun controller runs and watches namespace ${env.namespace}; the TaskRun stays and will run once one does (follow again with kubectl roundhouse taskrun logs -f ${name})\n`;
    const runName = (stdout: string) =>
      /TaskRun (lonely-run-[a-z0-9]{5}) created/.exec(stdout)?.[1];
    // --watch reports the steps, and where the run waits before any step runs.
    const reported = (follow: string, name: string) =>
      follow === '--watch' ? `TaskRun ${name}: waiting for the controller\n` : '';
    for (const follow of ['--watch', '--showlog']) {
      const started = await inProcess(
        [...globals, 'task', 'start', 'lonely', follow],
        undefined,
        undefined,
        limit,
      );
      const name = runName(started.stdout) ?? '';
      expect(started).toEqual({
        code: 1,
        stdout: `TaskRun ${name} created successfully\n${reported(follow, name)}`,
        stderr: expected(name),
      });
      const followed = await inProcess(
        [...globals, 'taskrun', 'logs', '-f', name],
        undefined,
        undefined,
        limit,
      );
      expect(followed).toEqual({ code: 1, stdout: '', stderr: expected(name) });
    }
  });

  it('logs -f of an execution deleted while it waits for its start ends, saying it is gone', async () => {
    const admin = new KubeClient(env.kubeConfig);
    try {
      await ensureWorkflowExecutionCrd(admin);
      const kubeconfig = await kubeconfigFile(env.kubeConfig);
      const created = await cli(runArgs('held'), { kubeconfig });
      expect(created.code).toBe(0);
      // Held back as by a lock: a status, so the wait is for its start, not for a controller.
      await admin.patch(
        workflowExecutions,
        env.namespace,
        'held-1',
        { status: { phase: 'Pending' } },
        { subresource: 'status', strategy: 'merge' },
      );
      const followed = inProcess(['--kubeconfig', kubeconfig, 'logs', '-f', 'held-1']);
      // Let the follow reach its wait first; deleted before, it fails on its first read.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await admin.delete(workflowExecutions, env.namespace, 'held-1');
      expect(await followed).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `error: WorkflowExecution "held-1" not found in namespace ${env.namespace}\n` +
          `fix: list what exists with: kubectl roundhouse get -n ${env.namespace} (or -A for every namespace)\n`,
      });
    } finally {
      await admin.close();
    }
  });
});
