import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Registry } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  apply,
  jobRegistry,
  manifest,
  type RunningController,
  startController,
  waitForPhase,
} from '../workflowexecution/harness.js';
import { ServerSideApply } from './server-side-apply.js';

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
    // Server-side apply, as kubectl apply -k does: deploy.test.ts applies the same objects,
    // perhaps at the same time, and either file may come first.
    const ssa = new ServerSideApply(env.kubeConfig, 'kubectl');
    try {
      for (const file of ['namespaces.yaml', 'rbac.yaml']) {
        const text = readFileSync(
          new URL(`../../examples/workflowexecution-controller/deploy/${file}`, import.meta.url),
          'utf8',
        );
        for (const doc of parseAllDocuments(text)) await ssa.apply(doc.toJSON() as KubeObject);
      }
    } finally {
      await ssa.close();
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

  it("runs a pod execution to Completed as the controller's ServiceAccount, lets its Pod go at the result, and deletes it with cleanup", async () => {
    await controller?.stop();
    const identity = await env.userKubeConfig(
      'system:serviceaccount:roundhouse-system:roundhouse-controller',
      ['system:serviceaccounts', 'system:serviceaccounts:roundhouse-system'],
    );
    const client = new KubeClient(identity);
    controller = await startController({
      kubeConfig: identity,
      registry: (reader) =>
        new Registry().register(
          new PodExecutor(client, {
            allowedImages: ['registry.invalid/*'],
            podAnnotations: { [podControls.runSeconds]: '1' },
            reader,
          }),
        ),
      watchNamespace: env.namespace,
      executionNamespace: 'roundhouse-workflows',
      // Longer than the test: the finalizer must go at the result, not with cleanup.
      cooldownMs: 600_000,
      resyncMs: 600_000,
      installWith: env.kubeConfig,
    });
    const wfe = await apply(
      admin(),
      env.namespace,
      manifest({
        engine: 'pod',
        engineConfig: { steps: [{ name: 'only', image: 'registry.invalid/sh:1', script: 'true' }] },
      }),
    );
    await waitForPhase(admin(), env.namespace, wfe.metadata.name, 'Completed');
    // Its create, its finalizer's removal and the delete are all the manifests' rules.
    const podName = (
      await admin().get<KubeObject & { status?: { executionRef?: { name: string } } }>(
        workflowExecutions,
        env.namespace,
        wfe.metadata.name,
      )
    )?.status?.executionRef?.name as string;
    await vi.waitFor(
      async () => {
        const pod = await admin().get(resources.pods, 'roundhouse-workflows', podName);
        expect(pod).not.toBeNull();
        expect(pod?.metadata?.finalizers ?? []).toEqual([]);
      },
      { timeout: 30_000, interval: 250 },
    );
    await admin().delete(workflowExecutions, env.namespace, wfe.metadata.name);
    await vi.waitFor(
      async () =>
        expect(await admin().get(resources.pods, 'roundhouse-workflows', podName)).toBeNull(),
      { timeout: 60_000, interval: 250 },
    );
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

  it("may request a ServiceAccount's token in the execution namespace only", async () => {
    const identity = await env.userKubeConfig(
      'system:serviceaccount:roundhouse-system:roundhouse-controller',
      ['system:serviceaccounts'],
    );
    const client = new KubeClient(identity);
    const name = `rbac-token-${randomBytes(4).toString('hex')}`;
    const request = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    };
    const token = { subresource: { name, subresource: 'token' as const } };
    for (const namespace of ['roundhouse-workflows', env.namespace]) {
      await admin().create(resources.serviceAccounts, namespace, { metadata: { name } });
    }
    try {
      const { object } = await client.create<KubeObject>(
        resources.serviceAccounts,
        'roundhouse-workflows',
        request,
        token,
      );
      expect(object.status).toMatchObject({ token: expect.any(String) });
      await expect(
        client.create(resources.serviceAccounts, env.namespace, request, token),
      ).rejects.toMatchObject({ reason: 'Forbidden' });
    } finally {
      await admin().delete(resources.serviceAccounts, 'roundhouse-workflows', name);
    }
  });
});
