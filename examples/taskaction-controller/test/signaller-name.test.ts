import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { ensureTaskActionCrd } from '../src/install.js';
import { taskActions } from '../src/resource.js';
import { apply, conditionAction, patience, useController, waitForPhase } from './harness.js';

/** A control, format or line-separator character: what a terminal acts on or hides. */
const unprintable = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

const rbac = (kind: string, plural: string) => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind,
  plural,
  namespaced: true,
});

/*
 * `signalledBy` is the signaller's free text (the CRD bounds its length only), and the controller
 * quotes it in the condition it writes when the action ends Signaled: there, as everything of an
 * author's the controller quotes, its control and format characters are escapes, so `kubectl
 * describe` cannot be made to clear a terminal or retitle it.
 */
describeWithControlPlane('TaskAction controller: a hostile signaller', () => {
  const fixture = useController('ta-signaller');
  const { env, start } = fixture;
  const admin = fixture.client;

  beforeAll(async () => {
    await ensureTaskActionCrd(admin());
  });

  /** A user of the namespace with what the README asks of a signaller: get, and patch status. */
  async function signaller(): Promise<KubeClient> {
    const name = `${env.namespace}-signaller`;
    await admin().create(rbac('Role', 'roles'), env.namespace, {
      metadata: { name },
      rules: [
        { apiGroups: [taskActions.group], resources: ['taskactions'], verbs: ['get'] },
        { apiGroups: [taskActions.group], resources: ['taskactions/status'], verbs: ['patch'] },
      ],
    } as KubeObject);
    await admin().create(rbac('RoleBinding', 'rolebindings'), env.namespace, {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }],
    } as KubeObject);
    return new KubeClient(await env.userKubeConfig(name));
  }

  it('signs a signal with terminal escapes: the Signaled condition quotes them as escapes, its signalledBy kept as written', async () => {
    await start();
    const condition = conditionAction({ name: 'approve', type: 'boolean' });
    await apply(admin(), env.namespace, condition);
    await waitForPhase(admin(), env.namespace, condition.metadata.name, 'Paused');
    const by = 'alice\u001b]0;root@prod\u0007\u001b[2J\u202e';
    const mallory = await signaller();
    // RBAC takes effect a moment after the binding.
    await vi.waitFor(
      () =>
        mallory.patch(
          taskActions,
          env.namespace,
          condition.metadata.name,
          { status: { signalValue: 'true', signalledBy: by } },
          { subresource: 'status', strategy: 'merge' },
        ),
      patience,
    );
    const signaled = await waitForPhase(
      admin(),
      env.namespace,
      condition.metadata.name,
      'Signaled',
    );
    expect(signaled.status.signalledBy).toBe(by);
    const messages = [
      ...(signaled.status.conditions ?? []).map((c) => c.message ?? ''),
      ...(signaled.status.phaseHistory ?? []).map((h) => h.message ?? ''),
    ];
    expect(messages.join('\n')).toContain(
      'condition signalled by "alice\\x1b]0;root@prod\\x07\\x1b[2J\\u202e"',
    );
    for (const message of messages) expect(message).not.toMatch(unprintable);
  });
});
