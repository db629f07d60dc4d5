import { readFileSync } from 'node:fs';
import { KubeClient, type KubeObject, type ResourceType, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  apply,
  jobRegistry,
  manifest,
  type RunningController,
  startController,
  waitForPhase,
} from '../workflowexecution/harness.js';

const rbac: Record<string, ResourceType> = {
  ServiceAccount: resources.serviceAccounts,
  ClusterRole: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
  },
  ClusterRoleBinding: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  Role: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    plural: 'roles',
    namespaced: true,
  },
  RoleBinding: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
  },
};

/**
 * The shipped manifests bind the controller's ServiceAccount; a client certificate for that
 * ServiceAccount's user name gets exactly those permissions, so the controller runs here with
 * nothing more than what deploy/rbac.yaml grants.
 */
describeWithControlPlane('the controller under its own least-privilege RBAC', () => {
  const env = useTestNamespace({ prefix: 'wfe-rbac' });
  let controller: RunningController | undefined;
  const admin = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    await ensureWorkflowExecutionCrd(admin());
    for (const name of ['roundhouse-system', 'roundhouse-workflows']) {
      await admin()
        .create(resources.namespaces, undefined, { metadata: { name } })
        .catch(() => undefined);
    }
    const text = readFileSync(
      new URL('../../examples/workflowexecution-controller/deploy/rbac.yaml', import.meta.url),
      'utf8',
    );
    for (const doc of parseAllDocuments(text)) {
      const object = doc.toJSON() as KubeObject;
      const type = rbac[object.kind as string] as ResourceType;
      await admin().create(type, object.metadata?.namespace, object);
    }
  });

  afterAll(async () => controller?.stop());

  it("runs a job execution to Completed as the controller's ServiceAccount", async () => {
    const identity = await env.userKubeConfig(
      'system:serviceaccount:roundhouse-system:roundhouse-controller',
      ['system:serviceaccounts', 'system:serviceaccounts:roundhouse-system'],
    );
    controller = await startController({
      kubeConfig: identity,
      registry: jobRegistry(identity, { runSeconds: 1 }),
      watchNamespace: env.namespace,
      executionNamespace: 'roundhouse-workflows',
      resyncMs: 600_000,
      installWith: env.kubeConfig,
    });
    const wfe = await apply(admin(), env.namespace, manifest());
    await waitForPhase(admin(), env.namespace, wfe.metadata.name, 'Completed');
  });

  it('is refused what the manifests do not grant', async () => {
    const identity = await env.userKubeConfig(
      'system:serviceaccount:roundhouse-system:roundhouse-controller',
      ['system:serviceaccounts'],
    );
    const client = new KubeClient(identity);
    await expect(client.list(resources.secrets, env.namespace)).rejects.toMatchObject({
      reason: 'Forbidden',
    });
    await expect(
      client.create(resources.jobs, env.namespace, { metadata: { name: 'x' } }),
    ).rejects.toMatchObject({ reason: 'Forbidden' });
  });
});
