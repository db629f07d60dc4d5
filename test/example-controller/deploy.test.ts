import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import {
  validatingAdmissionPolicyBindings,
  workflowExecutionAdmissionPolicy,
  workflowExecutionCrd,
  workflowExecutions,
} from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { apply, manifest, patience, waitForPhase } from '../workflowexecution/harness.js';
import { buildControllerDist, controllerMain } from './build-dist.js';
import { ControllerProcess } from './controller-process.js';
import { type Rendered, renderDeploy } from './kustomize.js';
import { ServerSideApply } from './server-side-apply.js';

type Container = { args: string[]; image: string; ports: { name: string }[] };
type PodSpec = { serviceAccountName: string; containers: Container[] };
type Deployment = KubeObject & {
  spec: { replicas: number; template: { metadata: KubeObject['metadata']; spec: PodSpec } };
};

const serviceAccount = 'system:serviceaccount:roundhouse-system:roundhouse-controller';

/**
 * `kubectl apply -k examples/workflowexecution-controller/deploy`, then the controller built
 * from dist/ as the Deployment runs it: two replicas under leader election, each its own
 * process, with nothing but the ServiceAccount's permissions.
 */
describeWithControlPlane('the example controller, deployed with kubectl apply -k', () => {
  const env = useTestNamespace({ prefix: 'wfe-deploy' });
  let rendered: Rendered;
  let dir: string;
  const replicas: ControllerProcess[] = [];
  const admin = () => new KubeClient(env.kubeConfig);
  const ssa = () => new ServerSideApply(env.kubeConfig, 'kubectl');

  const objects = () => {
    if ('unavailable' in rendered) throw new Error(rendered.unavailable);
    return rendered.objects;
  };
  const find = <T extends KubeObject>(kind: string, name?: string) =>
    objects().find((o) => o.kind === kind && (!name || o.metadata?.name === name)) as T;

  beforeAll(async () => {
    [rendered] = await Promise.all([renderDeploy(), buildControllerDist(300_000)]);
    dir = mkdtempSync(join(tmpdir(), 'roundhouse-deploy-'));
  }, 900_000);

  afterAll(async () => {
    for (const replica of replicas) replica.kill();
    rmSync(dir, { recursive: true, force: true });
    if (rendered && 'objects' in rendered) {
      await admin().delete(resources.deployments, 'roundhouse-system', 'roundhouse-controller');
      await admin().delete(validatingAdmissionPolicyBindings, undefined, bindingName());
    }
  });

  /** The binding as the test applies it: see the last test. */
  const bindingName = () => `${find('ValidatingAdmissionPolicyBinding').metadata?.name}`;

  it('renders the generated CRD and admission policy, and a Deployment its RBAC and Service fit', (ctx) => {
    if ('unavailable' in rendered) return ctx.skip(rendered.unavailable);
    expect(
      objects()
        .map((o) => `${o.kind}/${o.metadata?.name}`)
        .sort(),
    ).toEqual([
      'ClusterRole/roundhouse-workflowexecution-controller',
      'ClusterRoleBinding/roundhouse-workflowexecution-controller',
      'CustomResourceDefinition/workflowexecutions.roundhouse.dev',
      'Deployment/roundhouse-controller',
      'LimitRange/roundhouse-workflow-defaults',
      'Namespace/roundhouse-system',
      'Namespace/roundhouse-workflows',
      'Role/roundhouse-controller',
      'Role/roundhouse-executions',
      'RoleBinding/roundhouse-controller',
      'RoleBinding/roundhouse-executions',
      'Service/roundhouse-controller-metrics',
      'ServiceAccount/roundhouse-controller',
      'ServiceAccount/roundhouse-workflow-runner',
      'ValidatingAdmissionPolicy/roundhouse-workflowexecution-author-access',
      'ValidatingAdmissionPolicyBinding/roundhouse-workflowexecution-author-access',
    ]);
    expect(find('CustomResourceDefinition')).toEqual(workflowExecutionCrd());
    const { policy, binding } = workflowExecutionAdmissionPolicy({
      executionNamespace: 'roundhouse-workflows',
    });
    expect(find('ValidatingAdmissionPolicy')).toEqual(policy);
    expect(find('ValidatingAdmissionPolicyBinding')).toEqual(binding);

    const deployment = find<Deployment>('Deployment');
    const pod = deployment.spec.template;
    const [container] = pod.spec.containers as [Container];
    const account = find('ServiceAccount', pod.spec.serviceAccountName);
    expect(account?.metadata?.namespace).toBe(deployment.metadata?.namespace);
    // The default runner of the execution namespace, or every Job there fails FailedCreate.
    expect(find('ServiceAccount', 'roundhouse-workflow-runner')?.metadata?.namespace).toBe(
      'roundhouse-workflows',
    );
    expect(container.image).toBe(
      'registry.example.com/roundhouse/workflowexecution-controller:0.1.0',
    );
    expect(container.args).toEqual(
      expect.arrayContaining(['--leader-elect', '--execution-namespace=roundhouse-workflows']),
    );
    const service = find<
      KubeObject & { spec: { selector: object; ports: { targetPort: string }[] } }
    >('Service');
    expect(pod.metadata?.labels).toMatchObject(service.spec.selector);
    expect(container.ports.map((p) => p.name)).toContain(service.spec.ports[0]?.targetPort);
  });

  it('passes the API server as it is: a server-side dry run of every object, with no warnings', async (ctx) => {
    if ('unavailable' in rendered) return ctx.skip(rendered.unavailable);
    const client = ssa();
    try {
      // A namespaced object can only be validated in a namespace that exists.
      for (const namespace of objects().filter((o) => o.kind === 'Namespace')) {
        await client.apply(namespace);
      }
      for (const object of objects().filter((o) => o.kind !== 'Namespace')) {
        const { warnings } = await client.apply(object, { dryRun: true });
        expect(warnings, `${object.kind} ${object.metadata?.name}`).toEqual([]);
      }
    } finally {
      await client.close();
    }
    expect(
      await admin().get(resources.deployments, 'roundhouse-system', 'roundhouse-controller'),
    ).toBeNull();
  });

  it('runs a WorkflowExecution to Completed from dist/ as its ServiceAccount, one replica leading and both ready', async (ctx) => {
    if ('unavailable' in rendered) return ctx.skip(rendered.unavailable);
    const client = ssa();
    try {
      for (const object of objects()) {
        // The control plane is shared with test files running at the same time; an unscoped
        // binding would judge their WorkflowExecutions against roundhouse-workflows. Scoped to
        // this file's namespace, it judges this one's, and nobody else's.
        const scoped =
          object.kind === 'ValidatingAdmissionPolicyBinding'
            ? {
                ...object,
                spec: {
                  ...(object.spec as object),
                  matchResources: {
                    namespaceSelector: {
                      matchLabels: { 'kubernetes.io/metadata.name': env.namespace },
                    },
                  },
                },
              }
            : object;
        await client.apply(scoped);
      }
    } finally {
      await client.close();
    }
    await vi.waitFor(
      async () => expect(await admin().isServed(workflowExecutions)).toBe(true),
      patience,
    );

    const identity = await env.userKubeConfig(serviceAccount, [
      'system:serviceaccounts',
      'system:serviceaccounts:roundhouse-system',
    ]);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, identity.exportConfig(), { mode: 0o600 });
    const [container] = find<Deployment>('Deployment').spec.template.spec.containers as [Container];
    const args = [
      ...container.args,
      // Where a pod gets its ServiceAccount token, this process gets the same identity's
      // certificate; it reconciles this file's namespace only, and its bundles.
      `--kubeconfig=${kubeconfig}`,
      `--watch-namespace=${env.namespace}`,
      '--allowed-bundles=registry.invalid/*',
      '--health-port=0',
      '--health-host=127.0.0.1',
    ];
    for (let i = 0; i < find<Deployment>('Deployment').spec.replicas; i++) {
      replicas.push(new ControllerProcess(process.execPath, [controllerMain, ...args]));
    }
    await vi.waitFor(async () => {
      for (const replica of replicas) {
        expect(replica.port, replica.stderr).toBeDefined();
        expect((await replica.get('/readyz')).status).toBe(200);
      }
    }, patience);
    const leader = await vi.waitFor(() => {
      const leading = replicas.filter((r) => r.lines.some((l) => l.msg === 'started leading'));
      expect(leading).toHaveLength(1);
      return leading[0] as ControllerProcess;
    }, patience);
    const standby = replicas.find((r) => r !== leader) as ControllerProcess;

    const wfe = await apply(
      admin(),
      env.namespace,
      manifest({ target: `${env.namespace}/deployment/deployed-app` }),
    );
    await waitForPhase(admin(), env.namespace, wfe.metadata.name, 'Completed');
    expect(standby.lines.some((l) => l.msg === 'started leading')).toBe(false);
    expect((await standby.get('/readyz')).status).toBe(200);

    const text = await (await leader.get('/metrics')).text();
    // Only the series the assertions are about, so a failure shows them and not the whole page.
    const metrics = text
      .split('\n')
      .filter((l) => /^(controller_runtime|workqueue|rest_client|process_resident)/.test(l))
      .join('\n');
    const server = new URL(env.kubeConfig.getCurrentCluster()?.server as string).host;
    expect(metrics).toMatch(
      /controller_runtime_reconcile_total\{controller="workflowexecution",result="\w+"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /workqueue_work_duration_seconds_count\{name="workflowexecution",controller="workflowexecution"\} [1-9]/,
    );
    expect(metrics).toMatch(
      new RegExp(`rest_client_requests_total\\{code="201",method="POST",host="${server}"\\} [1-9]`),
    );
    expect(metrics).toContain('process_resident_memory_bytes');

    for (const replica of replicas) {
      expect(await replica.stop()).toBe(0);
      expect(replica.lines.at(-1)?.msg).toBe('stopped');
      expect(replica.lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    }
  });
});
