import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { KubeClient } from '@roundhouse/kube';
import { startControlPlane } from '@roundhouse/testenv';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { cli, kubeconfigFile } from './support.js';

describeWithControlPlane('kubectl roundhouse errors, each with its fix', () => {
  const env = useTestNamespace({ prefix: 'cli-errors' });

  it('names the verb and resource a user without RBAC was refused, and how to get them', async () => {
    const kubeconfig = await kubeconfigFile(await env.userKubeConfig('cli-nobody'));
    const result = await cli(['get'], { kubeconfig });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `error: not allowed to list workflowexecutions.roundhouse.dev in namespace ${env.namespace}: list WorkflowExecution ${env.namespace}: workflowexecutions.roundhouse.dev is forbidden: User "cli-nobody" cannot list resource "workflowexecutions" in API group "roundhouse.dev" in the namespace "${env.namespace}"`,
    );
    expect(result.stderr).toContain(
      `fix: ask a cluster admin for "list" on workflowexecutions.roundhouse.dev in namespace ${env.namespace} (kubectl create role roundhouse-list --verb=list --resource=workflowexecutions.roundhouse.dev -n ${env.namespace}`,
    );
  });

  it('a user who may read executions but not watch them or read Events: describe shows the rest, watch and logs -f end with the refusal instead of waiting for ever', async () => {
    await ensureWorkflowExecutionCrd(new KubeClient(env.kubeConfig));
    const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const namespace = env.namespace;
    const name = 'read-executions-no-watch';
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name },
        rules: [
          {
            apiGroups: ['roundhouse.dev'],
            resources: ['workflowexecutions'],
            verbs: ['get', 'list', 'create'],
          },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'cli-reader' }],
      },
    });
    const kubeconfig = await kubeconfigFile(await env.userKubeConfig('cli-reader'));
    await vi.waitFor(
      async () => expect(await cli(['get'], { kubeconfig })).toMatchObject({ code: 0 }),
      {
        timeout: 30_000,
        interval: 200,
      },
    );
    // No controller runs here: the execution stays without a status, so the watch waits.
    const created = await cli(
      [
        'run',
        '--engine',
        'job',
        '--target',
        'prod/deployment/x',
        '--bundle',
        'registry.invalid/r:1',
      ],
      { kubeconfig },
    );
    expect(created.code).toBe(0);
    const execution = created.stdout.trim().split(' ')[0]?.split('/')[1] as string;
    // describe reads the Events too, which this Role does not grant: the rest still shows.
    const described = await cli(['describe', execution], { kubeconfig });
    expect(described).toMatchObject({ code: 0, stderr: '' });
    expect(described.stdout).toMatch(new RegExp(`^Name: +${execution}\n`));
    expect(described.stdout).toMatch(/\nEvents:\n {2}cannot read: Forbidden\n$/);
    for (const args of [
      ['watch', execution],
      ['logs', '-f', execution],
    ]) {
      const result = await cli(args, { kubeconfig });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `error: not allowed to watch workflowexecutions.roundhouse.dev in namespace ${namespace}: `,
      );
      expect(result.stderr).toContain(
        `fix: ask a cluster admin for "watch" on workflowexecutions.roundhouse.dev in namespace ${namespace}`,
      );
    }
  });

  it('says no cluster is reachable, and which kubeconfig to check', async () => {
    const config = env.kubeConfig;
    const unreachable = await kubeconfigFile(config);
    const { readFile, writeFile } = await import('node:fs/promises');
    const server = config.getCurrentCluster()?.server as string;
    // Port 1 on the loopback address: nothing listens there.
    await writeFile(
      unreachable,
      (await readFile(unreachable, 'utf8')).replace(server, 'https://127.0.0.1:1'),
    );
    const result = await cli(['get'], { kubeconfig: unreachable });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: no cluster reachable: https:\/\/127\.0\.0\.1:1: list WorkflowExecution [^:]+: .+\nfix: check that the cluster runs and that the kubeconfig \(.*\) points at it/,
    );
  });

  it('refuses bad -p syntax and an unknown engine before sending anything', async () => {
    const kubeconfig = await kubeconfigFile(env.kubeConfig);
    const run = ['run', '--target', 'prod/deployment/x', '--bundle', 'registry.invalid/r:1'];
    const badParam = await cli([...run, '--engine', 'job', '-p', 'REPLICAS'], { kubeconfig });
    expect(badParam).toMatchObject({
      code: 1,
      stderr:
        'error: -p: "REPLICAS" is not KEY=VALUE\nfix: write each parameter as -p NAME=value, NAME of letters, digits and "_" not starting with a digit (e.g. -p REPLICAS=3)\n',
    });
    const badEngine = await cli([...run, '--engine', 'tekon'], { kubeconfig });
    expect(badEngine).toMatchObject({ code: 1 });
    expect(badEngine.stderr).toBe(
      'error: unknown engine "tekon"\nfix: use one of job, tekton, ansible; for an engine your own controller registers, add --custom-engine\n',
    );
  });

  it("explains the API server's 409 for a taken name and 404 for a missing namespace, by status code, leaving the first execution as it was", async () => {
    const admin = new KubeClient(env.kubeConfig);
    await ensureWorkflowExecutionCrd(admin).finally(() => admin.close());
    const kubeconfig = await kubeconfigFile(env.kubeConfig);
    const run = [
      'run',
      '--engine',
      'job',
      '--target',
      'prod/deployment/x',
      '--bundle',
      'registry.invalid/r:1',
      '--name',
      'taken-1',
    ];
    expect(await cli(run, { kubeconfig })).toMatchObject({ code: 0 });
    const again = await cli([...run, '-p', 'REPLICAS=9'], { kubeconfig });
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toMatch(
      /^error: create WorkflowExecution [^:]+: workflowexecutions\.roundhouse\.dev "taken-1" already exists\n/,
    );
    expect(again.stderr).toContain(
      `fix: a WorkflowExecution named taken-1 already exists in namespace ${env.namespace}: choose another --name`,
    );
    const first = await cli(['get', 'taken-1', '-o', 'json'], { kubeconfig });
    expect(JSON.parse(first.stdout).spec.parameters).toBeUndefined();

    const nowhere = await cli(['-n', 'no-such-namespace-7c1f', ...run], { kubeconfig });
    expect(nowhere).toMatchObject({ code: 1, stdout: '' });
    expect(nowhere.stderr).toMatch(
      /\nfix: namespace no-such-namespace-7c1f does not exist: create it \(kubectl create namespace no-such-namespace-7c1f\) or choose another with -n\n$/,
    );
  });

  it('refuses an ansible run without the engineConfig keys its engine requires before sending anything', async () => {
    const kubeconfig = await kubeconfigFile(env.kubeConfig);
    const run = ['run', '--engine', 'ansible', '--target', 'prod/deployment/api'];
    const refused = await cli([...run, '--bundle', 'quay.io/acme/restart:1'], { kubeconfig });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: --engine-config jobTemplateName: is required \(expected string\); --engine-config playbookPath: is required by the ansible engine, as kubernaut requires it: .+\nfix: add --engine-config jobTemplateName=VALUE --engine-config playbookPath=VALUE; the ansible engine reads its settings from --engine-config KEY=VALUE \(docs\/backends\/ describes what each engine reads\), or give a manifest with -f\n$/,
    );
  });

  it('says the CRD is not installed on a cluster without it, and how to install it', async () => {
    // A control plane of its own: the shared one has the CRD, and other files rely on it.
    const plane = await startControlPlane();
    try {
      const kubeconfig = await kubeconfigFile(plane.kubeConfig);
      for (const args of [['get'], ['describe', 'restart-1'], ['run', '-f', '-']]) {
        const result =
          args[0] === 'run'
            ? await cli(
                ['run', '--engine', 'job', '--target', 'a/b/c', '--bundle', 'registry.invalid/r:1'],
                { kubeconfig },
              )
            : await cli(args, { kubeconfig });
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(
          `error: the WorkflowExecution CRD (workflowexecutions.roundhouse.dev) is not installed in the cluster at ${plane.server}\nfix: install the CRD with cluster-admin rights: kubectl roundhouse crd | kubectl apply -f -\n`,
        );
      }
      const crd = await cli(['crd'], { kubeconfig });
      expect(crd.stdout).toContain('name: workflowexecutions.roundhouse.dev');
    } finally {
      await plane.stop();
    }
  });
});
