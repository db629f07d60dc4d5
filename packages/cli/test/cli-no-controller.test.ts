import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
import { expect, it } from 'vitest';
import { cli, inProcess, kubeconfigFile } from './support.js';

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
    expect(watched.code).toBe(2);
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
    expect(again).toMatchObject({ code: 2, stderr: watched.stderr });
    const followed = await inProcess(
      ['--kubeconfig', kubeconfig, 'logs', '-f', 'unclaimed-1'],
      undefined,
      undefined,
      limit,
    );
    expect(followed).toMatchObject({ code: 2, stdout: '', stderr: watched.stderr });
    // The execution was created and stays: the watch failed, not the run.
    expect((await cli(['get', 'unclaimed-1', '-o', 'name'], { kubeconfig })).stdout).toBe(
      'workflowexecution.roundhouse.dev/unclaimed-1\n',
    );
  });
});
