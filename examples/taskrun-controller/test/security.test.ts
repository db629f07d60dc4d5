import type { V1Pod } from '@kubernetes/client-node';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { taskRuns, tasks } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  podInitializing,
  terminated,
  writeStepStatuses,
} from '../../../packages/pod/test/drive.js';
import {
  createTask,
  createTaskRun,
  patience,
  startController,
  step,
  waitForFailure,
  waitForRun,
} from './harness.js';

/*
 * What the author of a Task and a TaskRun, who may create and read those in their namespace and
 * nothing else (no Pods, no Secrets, no ServiceAccounts), gets out of the controller: each attack
 * is created by a minted non-admin user against the real API server and a running controller.
 */

/** A control or format character, or a line separator, beyond the line breaks and tabs of an output. */
const unprintableBeyondLines = /[^\P{Cc}\n\t]|[\p{Cf}\p{Zl}\p{Zp}]/u;

const rbac = (kind: string, plural: string) => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind,
  plural,
  namespaced: true,
});

describeWithControlPlane('TaskRun controller: hostile authors', () => {
  const env = useTestNamespace({ prefix: 'taskrun-sec' });
  let admin: KubeClient;
  let author: KubeClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    admin = new KubeClient(env.kubeConfig);
    ({ stop } = await startController({ kubeConfig: env.kubeConfig, namespace: env.namespace }));
    const name = `${env.namespace}-author`;
    await admin.create(rbac('Role', 'roles'), env.namespace, {
      metadata: { name },
      rules: [
        {
          apiGroups: [tasks.group],
          resources: [tasks.plural, taskRuns.plural],
          verbs: ['create', 'get'],
        },
      ],
    } as KubeObject);
    await admin.create(rbac('RoleBinding', 'rolebindings'), env.namespace, {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }],
    } as KubeObject);
    author = new KubeClient(await env.userKubeConfig(name));
  });
  afterAll(async () => stop?.());

  it('quotes as escapes what a step left in its termination log, keeping its lines', async () => {
    await vi.waitFor(
      () => createTask(author, env.namespace, 'escapes', { steps: [step('fetch'), step('build')] }),
      patience,
    );
    await createTaskRun(author, env.namespace, 'escapes-1', { taskRef: { name: 'escapes' } });
    const started = await waitForRun(author, env.namespace, 'escapes-1', (s) => {
      expect(s.podName).toBeDefined();
    });
    const log = 'disk full\n\u001b[2J\u001b]0;root@prod\u0007\u200bdone';
    const at = '2026-01-02T03:00:00Z';
    const exited = terminated(3, at, at);
    await writeStepStatuses(admin, env.namespace, started.podName as string, {
      phase: 'Failed',
      initContainerStatuses: {
        fetch: { terminated: { ...exited.terminated, message: log } },
      },
      containerStatuses: { build: podInitializing },
    });
    const failed = await waitForFailure(author, env.namespace, 'escapes-1');
    expect(failed.message).toContain('disk full\n\\x1b[2J\\x1b]0;root@prod\\x07\\u200bdone');
    expect(failed.message).not.toMatch(unprintableBeyondLines);
  });

  it('asks in a Task for what the restricted profile refuses: dropped, the Pod runs without it', async () => {
    await vi.waitFor(
      () =>
        author.create(tasks, env.namespace, {
          apiVersion: 'roundhouse.dev/v1alpha1',
          kind: 'Task',
          metadata: { name: 'escalate' },
          spec: {
            hostNetwork: true,
            serviceAccountName: 'controller',
            volumes: [{ name: 'host', hostPath: { path: '/' } }],
            steps: [
              {
                ...step('root'),
                securityContext: { privileged: true, runAsUser: 0 },
                volumeMounts: [{ name: 'host', mountPath: '/host' }],
                envFrom: [{ secretRef: { name: 'victim' } }],
                env: [
                  {
                    name: 'TOKEN',
                    value: '',
                    valueFrom: { secretKeyRef: { name: 'victim', key: 'k' } },
                  },
                ],
              },
            ],
          },
        }),
      patience,
    );
    await createTaskRun(author, env.namespace, 'escalate-1', { taskRef: { name: 'escalate' } });
    const started = await waitForRun(author, env.namespace, 'escalate-1', (s) => {
      expect(s.podName).toBeDefined();
    });
    const pod = await admin.get<KubeObject & V1Pod>(
      resources.pods,
      env.namespace,
      started.podName as string,
    );
    if (!pod?.spec) throw new Error(`pod ${started.podName} is gone`);
    expect(pod.spec).toMatchObject({
      serviceAccountName: 'default',
      automountServiceAccountToken: false,
    });
    expect(pod.spec.hostNetwork).toBeUndefined();
    expect(pod.spec.volumes ?? []).not.toContainEqual(expect.objectContaining({ name: 'host' }));
    const [container] = pod.spec.containers;
    expect(container?.securityContext).not.toHaveProperty('privileged');
    expect(container?.securityContext).not.toHaveProperty('runAsUser');
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.envFrom).toBeUndefined();
    expect(JSON.stringify(container)).not.toContain('victim');
  });

  it("asks in a TaskRun for another ServiceAccount, a pod template and another namespace's Task: dropped, its own namespace only", async () => {
    const other = await env.controlPlane.createNamespace('taskrun-sec-other');
    try {
      await createTask(admin, other, 'theirs', { steps: [step('theirs')] });
      await vi.waitFor(
        () => createTask(author, env.namespace, 'mine', { steps: [step('mine')] }),
        patience,
      );
      // Tekton's fields for these, which the CRD keeps none of.
      const asking = {
        serviceAccountName: 'controller',
        podTemplate: { hostNetwork: true, volumes: [{ name: 'host', hostPath: { path: '/' } }] },
      };
      await createTaskRun(author, env.namespace, 'theirs-1', {
        taskRef: { name: 'theirs', namespace: other, kind: 'ClusterTask' },
        ...asking,
      });
      expect(await waitForFailure(author, env.namespace, 'theirs-1')).toMatchObject({
        reason: 'TaskNotFound',
        message: `Task ${env.namespace}/theirs does not exist`,
      });
      await createTaskRun(author, env.namespace, 'mine-1', {
        taskRef: { name: 'mine' },
        ...asking,
      });
      const started = await waitForRun(author, env.namespace, 'mine-1', (s) => {
        expect(s.podName).toBeDefined();
      });
      const pod = await admin.get<KubeObject & V1Pod>(
        resources.pods,
        env.namespace,
        started.podName as string,
      );
      expect(pod?.spec).toMatchObject({
        serviceAccountName: 'default',
        automountServiceAccountToken: false,
      });
      expect(pod?.spec?.hostNetwork).toBeUndefined();
      expect(pod?.spec?.volumes ?? []).not.toContainEqual(
        expect.objectContaining({ name: 'host' }),
      );
    } finally {
      await env.controlPlane.deleteNamespace(other);
    }
  });
});
