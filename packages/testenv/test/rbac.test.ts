import { ApiException, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { expect, it, vi } from 'vitest';
import { describeWithControlPlane, useTestNamespace } from '../src/vitest/index.js';

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

describeWithControlPlane('RBAC with minted client certificates', () => {
  const env = useTestNamespace();

  async function grantConfigMapReader(subject: { kind: 'User' | 'Group'; name: string }) {
    const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const name = `read-configmaps-${subject.kind.toLowerCase()}-${subject.name}`;
    await rbac.createNamespacedRole({
      namespace: env.namespace,
      body: {
        metadata: { name },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: env.namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
      },
    });
  }

  it('forbids a user with no Role, then allows exactly what a Role grants', async () => {
    const alice = (await env.userKubeConfig('alice')).makeApiClient(CoreV1Api);
    const namespace = env.namespace;
    expect(await statusOf(alice.listNamespacedConfigMap({ namespace }))).toBe(403);

    await grantConfigMapReader({ kind: 'User', name: 'alice' });
    await vi.waitFor(
      async () => expect(await statusOf(alice.listNamespacedConfigMap({ namespace }))).toBe(200),
      { timeout: 30_000, interval: 200 },
    );
    expect(
      await statusOf(
        alice.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'nope' } } }),
      ),
    ).toBe(403);
    expect(await statusOf(alice.listNamespacedSecret({ namespace }))).toBe(403);
    expect(await statusOf(alice.listNamespacedConfigMap({ namespace: 'default' }))).toBe(403);
  });

  it('takes groups from the certificate', async () => {
    const namespace = env.namespace;
    const bob = (await env.userKubeConfig('bob', ['auditors'])).makeApiClient(CoreV1Api);
    const carol = (await env.userKubeConfig('carol', ['developers'])).makeApiClient(CoreV1Api);

    await grantConfigMapReader({ kind: 'Group', name: 'auditors' });
    await vi.waitFor(
      async () => expect(await statusOf(bob.listNamespacedConfigMap({ namespace }))).toBe(200),
      { timeout: 30_000, interval: 200 },
    );
    expect(await statusOf(carol.listNamespacedConfigMap({ namespace }))).toBe(403);
  });
});
