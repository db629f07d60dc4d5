import { markQueued, markSucceeded, phaseOf } from '@roundhouse/controller';
import { maxObjectBytes, storedObjectBytes } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { maxTaskChars, maxTaskStrings } from '../src/action-size.js';
import { ensureTaskActionCrd } from '../src/install.js';
import { taskActions } from '../src/resource.js';
import { taskActionSignalPolicy } from '../src/signal-policy.js';
import { maxAttempts, type TaskActionView } from '../src/spec.js';
import {
  apply,
  conditionAction,
  finishPod,
  jobsOf,
  patience,
  read,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

type KubeEvent = KubeObject & {
  involvedObject: { name?: string };
  reason?: string;
  message?: string;
};

/** A control, format or line-separator character: what a terminal acts on or hides. */
const unprintable = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The same, but for the line breaks and tabs an output's lines are made of. */
const unprintableBeyondLines = /[^\P{Cc}\n\t]|[\p{Cf}\p{Zl}\p{Zp}]/u;

const selfSubjectReviews = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  namespaced: false,
};

const rbac = (kind: string, plural: string) => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind,
  plural,
  namespaced: true,
});

describeWithControlPlane('TaskAction controller: hostile authors', () => {
  const fixture = useController('ta-sec');
  const { env, start } = fixture;
  const admin = fixture.client;
  let users = 0;

  beforeAll(async () => {
    await ensureTaskActionCrd(admin());
  });

  /**
   * A user of the namespace with what the README asks of an author who also signals conditions:
   * create TaskActions, and `get` plus `patch` on `taskactions/status`. Nothing else.
   */
  function authorAndSignaller(): Promise<KubeClient> {
    return user(`author-signaller-${++users}`, [
      { apiGroups: [taskActions.group], resources: ['taskactions'], verbs: ['create', 'get'] },
      {
        apiGroups: [taskActions.group],
        resources: ['taskactions/status'],
        verbs: ['get', 'patch'],
      },
    ]);
  }

  /** A user of the namespace who may create and read TaskActions, and nothing else. */
  function author(): Promise<KubeClient> {
    return user(`author-${++users}`, [
      { apiGroups: [taskActions.group], resources: ['taskactions'], verbs: ['create', 'get'] },
    ]);
  }

  async function user(name: string, rules: unknown[]): Promise<KubeClient> {
    await admin().create(rbac('Role', 'roles'), env.namespace, {
      metadata: { name },
      rules,
    } as KubeObject);
    await admin().create(rbac('RoleBinding', 'rolebindings'), env.namespace, {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }],
    } as KubeObject);
    return new KubeClient(await env.userKubeConfig(name));
  }

  /** The status the controller would write on admitting the action, forged by `author`. */
  function forgeAdmittedStatus(
    author: KubeClient,
    name: string,
    fields: { attempts?: number } = {},
  ) {
    const queued = markQueued({}, { now: new Date(), generation: 1 }) ?? {};
    return author.patch(
      taskActions,
      env.namespace,
      name,
      { status: { ...queued, ...fields } },
      { subresource: 'status', strategy: 'merge' },
    );
  }

  /** The Kubernetes Events about the action `name`, once one of `reason` is among them. */
  async function eventsAbout(name: string, reason: string): Promise<KubeEvent[]> {
    return vi.waitFor(async () => {
      const { items } = await admin().list<KubeEvent>(resources.events, env.namespace);
      const about = items.filter((e) => e.involvedObject.name === name);
      expect(about.map((e) => e.reason)).toContain(reason);
      return about;
    }, patience);
  }

  /** Every status message a person reads: conditions, phase history and the error state. */
  function statusMessages(status: TaskActionView['status']): string[] {
    return [
      ...(status.conditions ?? []).map((c) => c.message ?? ''),
      ...(status.phaseHistory ?? []).map((h) => h.message ?? ''),
      status.errorState?.message ?? '',
    ];
  }

  it('writes terminal escapes in its task type: quoted as escapes in the status and the Event, on one line', async () => {
    await start();
    const mallory = await author();
    const taskType = '\u001b]52;c;cm0gLXJmIC8K\u0007\nWarning Forged\u202e';
    const manifest = taskAction({ taskType });
    const name = manifest.metadata.name;
    await vi.waitFor(() => apply(mallory, env.namespace, manifest), patience);
    const failed = await waitForPhase(admin(), env.namespace, name, 'PluginNotFound');
    expect(failed.status.errorState?.message).toContain(
      'task type "\\x1b]52;c;cm0gLXJmIC8K\\x07\\nWarning Forged\\u202e"',
    );
    for (const message of statusMessages(failed.status)) expect(message).not.toMatch(unprintable);
    for (const event of await eventsAbout(name, 'FailedPluginResolve')) {
      expect(event.message).not.toMatch(unprintable);
    }
  });

  it('quotes as escapes what its container left in its termination log, in the status and the Event, keeping its lines', async () => {
    await start();
    const mallory = await author();
    const manifest = taskAction();
    const name = manifest.metadata.name;
    await vi.waitFor(() => apply(mallory, env.namespace, manifest), patience);
    await waitForPhase(admin(), env.namespace, name, 'Executing');
    const log = 'disk full\n\u001b[2J\u001b]0;root@prod\u0007\u200bdone';
    await finishPod(admin(), fixture.executionNamespace, `${name}-0`, 3, log);
    const failed = await waitForPhase(admin(), env.namespace, name, 'PermanentFailure');
    expect(failed.status.errorState?.message).toContain(
      'disk full\n\\x1b[2J\\x1b]0;root@prod\\x07\\u200bdone',
    );
    for (const message of statusMessages(failed.status)) {
      expect(message).not.toMatch(unprintableBeyondLines);
    }
    for (const event of await eventsAbout(name, 'PermanentFailure')) {
      expect(event.message).not.toMatch(unprintableBeyondLines);
    }
  });

  it("claims a victim's parent action by its run and action name: the victim's child takes no owner until one claimant is left", async () => {
    await start();
    const mallory = await author();
    const identity = { runName: 'runv', actionName: 'p1' };
    const decoy = taskAction(identity, 'runv-decoy');
    await vi.waitFor(() => apply(mallory, env.namespace, decoy), patience);
    const parent = await apply(admin(), env.namespace, taskAction(identity, 'runv-p1'));
    const child = taskAction({ runName: 'runv', actionName: 'c1', parentActionName: 'p1' });
    const name = child.metadata.name;
    await apply(admin(), env.namespace, child);
    // The child either took an owner or says why it waits.
    const owners = await vi.waitFor(async () => {
      const { items } = await admin().list<KubeEvent>(resources.events, env.namespace);
      const held = items.some(
        (e) => e.involvedObject.name === name && e.reason === 'AmbiguousParentAction',
      );
      const refs = (await read(admin(), env.namespace, name))?.metadata.ownerReferences ?? [];
      expect(held || refs.length > 0).toBe(true);
      return refs;
    }, patience);
    expect(owners).toEqual([]);
    // The decoy gone, the child takes its run's one parent.
    await admin().delete(taskActions, env.namespace, decoy.metadata.name);
    await vi.waitFor(async () => {
      const refs = (await read(admin(), env.namespace, name))?.metadata.ownerReferences;
      expect(refs).toEqual([
        expect.objectContaining({ name: 'runv-p1', uid: parent.metadata?.uid }),
      ]);
    }, patience);
  });

  it('with the signal policy installed, a signaller cannot mark a running action Succeeded, and still signals a condition', async () => {
    await start();
    const signaller = await authorAndSignaller();
    const { object: review } = await admin().create<KubeObject>(selfSubjectReviews, undefined, {});
    const controllerUser = (review.status as { userInfo: { username: string } }).userInfo.username;
    const policy = taskActionSignalPolicy({
      controllerUsers: [controllerUser],
      name: `${env.namespace}-signallers`,
    });
    const [policyObject, unscoped] = policy as [KubeObject, KubeObject];
    // The control plane is shared with files that run the controller as a ServiceAccount, not
    // this file's admin: unscoped, the binding would refuse their controllers' status writes.
    const binding = {
      ...unscoped,
      spec: {
        ...(unscoped.spec as object),
        matchResources: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': env.namespace } },
        },
      },
    };
    const forgeSucceeded = async (name: string) => {
      const current = await read(admin(), env.namespace, name);
      const forged = markSucceeded(current?.status ?? {}, 'done', {
        now: new Date(),
        generation: 1,
      });
      return signaller.patch(
        taskActions,
        env.namespace,
        name,
        { status: forged },
        { subresource: 'status', strategy: 'merge' },
      );
    };
    // The API server applies a policy, and stops applying a deleted one, a while after the write
    // (longer on a loaded machine): probed on a fresh action each time, since a forged write let
    // through before the policy applied leaves its action Succeeded, soon collected, and the same
    // write again would change nothing the policy looks at.
    const forgeOnProbe = async () => {
      const probe = taskAction();
      await apply(admin(), env.namespace, probe);
      return forgeSucceeded(probe.metadata.name).catch((e: unknown) => e);
    };
    try {
      await admin().create(resources.validatingAdmissionPolicies, undefined, policyObject);
      await admin().create(resources.validatingAdmissionPolicyBindings, undefined, binding);
      await vi.waitFor(
        async () => expect(await forgeOnProbe()).toMatchObject({ reason: 'Forbidden' }),
        patience,
      );

      const victim = taskAction();
      const name = victim.metadata.name;
      await apply(admin(), env.namespace, victim);
      await waitForPhase(admin(), env.namespace, name, 'Executing');
      const refusal = await forgeSucceeded(name).catch((e: unknown) => e);
      expect(refusal).toMatchObject({ reason: 'Forbidden' });
      expect(String((refusal as Error).message)).toContain(
        "only the TaskAction controller changes a TaskAction's status beyond its signal",
      );
      expect(phaseOf((await read(admin(), env.namespace, name))?.status)).toBe('Executing');
      // The controller's own writes go through: the attempt ends and the action with it.
      await finishPod(admin(), fixture.executionNamespace, `${name}-0`, 0);
      await waitForPhase(admin(), env.namespace, name, 'Completed');

      const condition = conditionAction({ name: 'approve', type: 'boolean' });
      await apply(admin(), env.namespace, condition);
      await waitForPhase(admin(), env.namespace, condition.metadata.name, 'Paused');
      await signaller.patch(
        taskActions,
        env.namespace,
        condition.metadata.name,
        { status: { signalValue: 'true', signalledBy: 'alice' } },
        { subresource: 'status', strategy: 'merge' },
      );
      await waitForPhase(admin(), env.namespace, condition.metadata.name, 'Signaled');
    } finally {
      await admin().delete(
        resources.validatingAdmissionPolicyBindings,
        undefined,
        binding.metadata?.name as string,
      );
      await admin().delete(
        resources.validatingAdmissionPolicies,
        undefined,
        policyObject.metadata?.name as string,
      );
      // The tests after this one forge statuses as no controller would.
      await vi.waitFor(
        async () => expect(await forgeOnProbe()).not.toBeInstanceOf(Error),
        patience,
      );
    }
  });

  it('runs no image --allowed-images refuses, even when its author forged an admitted status', async () => {
    const mallory = await authorAndSignaller();
    const manifest = taskAction({ taskTemplate: { image: 'registry.example.com/evil:1' } });
    const name = manifest.metadata.name;
    // While the controller is down (a restart, an upgrade), the author creates the action and
    // writes the status the controller would have written on admitting it.
    await apply(mallory, env.namespace, manifest);
    await forgeAdmittedStatus(mallory, name);

    await start();
    const failed = await waitForPhase(admin(), env.namespace, name, 'InvalidSpec');
    expect(failed.status.errorState).toEqual({
      code: 'InvalidSpec',
      kind: 'USER',
      message:
        'spec.taskTemplate.image: image "registry.example.com/evil:1" is not among the images this controller runs (registry.invalid/*); use an allowed image, or ask the operator to add it to --allowed-images',
    });
    expect(await jobsOf(admin(), fixture.executionNamespace, `${name}-0`)).toEqual([]);
  });

  it('refuses at create an argument or a variable holding a NUL, which no attempt could start with', async () => {
    const mallory = await authorAndSignaller();
    const manifest = taskAction({
      taskTemplate: { image: 'registry.invalid/task:1', args: ['x\0y'], env: { MODE: '\0' } },
    });
    const refusal = await apply(mallory, env.namespace, manifest).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ reason: 'Invalid' });
    expect(String((refusal as Error).message)).toMatch(/spec\.taskTemplate\.args\[0\]/);
    expect(String((refusal as Error).message)).toMatch(/spec\.taskTemplate\.env\.MODE/);
  });

  it('refuses a forged attempt count past the most any action has at the API server', async () => {
    const mallory = await authorAndSignaller();
    const manifest = taskAction();
    const name = manifest.metadata.name;
    await apply(mallory, env.namespace, manifest);
    const forge = (attempts: number) => forgeAdmittedStatus(mallory, name, { attempts });
    for (const attempts of [maxAttempts + 1, 2 ** 31]) {
      const refusal = await forge(attempts).catch((error: unknown) => error);
      expect(refusal).toMatchObject({ reason: 'Invalid' });
      expect(String((refusal as Error).message)).toMatch(/status\.attempts/);
    }
    await forge(maxAttempts);
  });

  it('launches no attempt past retries + 1 and still deletes an action whose signaller forged its attempt count', async () => {
    const mallory = await authorAndSignaller();
    const manifest = taskAction();
    const name = manifest.metadata.name;
    await apply(mallory, env.namespace, manifest);
    await forgeAdmittedStatus(mallory, name, { attempts: maxAttempts });

    await start();
    const failed = await waitForPhase(admin(), env.namespace, name, 'InvalidSpec');
    expect(failed.status.errorState?.message).toMatch(
      /^status\.attempts: attempt 11 is past the 1 this action has/,
    );
    expect(await jobsOf(admin(), fixture.executionNamespace, `${name}-10`)).toEqual([]);
    // Its deletion cleans up the one attempt the spec allows, not every one the count names.
    await admin().delete(taskActions, env.namespace, name);
    await vi.waitFor(
      async () => expect(await admin().get(taskActions, env.namespace, name)).toBeNull(),
      { timeout: 30_000, interval: 200 },
    );
  });

  /** Variables holding `maxTaskChars + extra` characters, names counted twice, values in `<`s. */
  function largestEnv(extra = 0): Record<string, string> {
    const names = Array.from(
      { length: maxTaskStrings },
      (_, i) => `V${String(i).padStart(8, '0')}`,
    );
    const each = (maxTaskChars - 2 * names.join('').length) / names.length;
    return Object.fromEntries(
      // `<` is what the API server stores in six bytes: the largest value of its length.
      names.map((name, i) => [name, '<'.repeat(each + (i === 0 ? extra : 0))]),
    );
  }

  it('refuses at create an environment past the size bounds, which would leave no room for a status', async () => {
    const mallory = await authorAndSignaller();
    const manifest = taskAction({
      taskTemplate: { image: 'registry.invalid/task:1', env: largestEnv(1) },
    });
    const refusal = await apply(mallory, env.namespace, manifest).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ reason: 'Invalid' });
    expect(String((refusal as Error).message)).toMatch(/hold at most 196608 characters together/);
  });

  it('fails with StatusTooLarge, launching nothing, an action whose status would not fit', async () => {
    const manifest = taskAction({
      taskTemplate: { image: 'registry.invalid/task:1', env: largestEnv() },
    });
    const name = manifest.metadata.name;
    const created = await apply(admin(), env.namespace, manifest);
    // Its author's annotations take it to 2 KiB short of what the API server stores: a status
    // fits, but not the history an action gathers as it runs.
    const pad = maxObjectBytes - 2048 - storedObjectBytes(created) - 64;
    await admin().patch(
      taskActions,
      env.namespace,
      name,
      {
        metadata: { annotations: { note: '<'.repeat(Math.floor(pad / 6)) + 'n'.repeat(pad % 6) } },
      },
      { strategy: 'merge' },
    );

    await start();
    const failed = await waitForPhase(admin(), env.namespace, name, 'PermanentFailure');
    expect(failed.status.errorState).toEqual({
      code: 'StatusTooLarge',
      kind: 'USER',
      message: expect.stringMatching(
        /^the action's status would make it \d+ bytes, more than the 1572864 the API server can store: /,
      ),
    });
    expect(await jobsOf(admin(), fixture.executionNamespace, `${name}-0`)).toEqual([]);
  });

  it('asks in a TaskAction for a host network, host paths, privilege, root, a ServiceAccount, a token or a Secret: its Job has none of them', async () => {
    await start();
    const mallory = await author();
    const manifest = taskAction({
      serviceAccountName: 'controller',
      namespace: 'kube-system',
      taskTemplate: {
        image: 'registry.invalid/task:1',
        hostNetwork: true,
        serviceAccountName: 'controller',
        automountServiceAccountToken: true,
        securityContext: { privileged: true, runAsUser: 0 },
        volumes: [{ name: 'host', hostPath: { path: '/' } }],
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
        envFrom: [{ secretRef: { name: 'victim' } }],
        imagePullSecrets: [{ name: 'victim' }],
      },
    });
    const name = manifest.metadata.name;
    await vi.waitFor(() => apply(mallory, env.namespace, manifest), patience);
    await waitForPhase(admin(), env.namespace, name, 'Executing');
    const [job] = (await jobsOf(
      admin(),
      fixture.executionNamespace,
      `${name}-0`,
    )) as (KubeObject & {
      spec: {
        template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
      };
    })[];
    const pod = job?.spec.template.spec;
    expect(job?.metadata?.namespace).toBe(fixture.executionNamespace);
    expect(pod).toMatchObject({ automountServiceAccountToken: false });
    expect(pod?.serviceAccountName).not.toBe('controller');
    for (const field of ['hostNetwork', 'volumes', 'imagePullSecrets']) {
      expect(JSON.stringify(pod?.[field] ?? null)).not.toMatch(/true|host|victim/);
    }
    const [container] = pod?.containers ?? [];
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.securityContext).not.toHaveProperty('privileged');
    expect(JSON.stringify(container)).not.toMatch(/victim|\/host/);
  });

  it('gives an attempt without a timeout the default deadline, so none holds a pod for ever', async () => {
    await start();
    const manifest = taskAction();
    const name = manifest.metadata.name;
    await apply(admin(), env.namespace, manifest);
    await waitForPhase(admin(), env.namespace, name, 'Executing');
    const [job] = await jobsOf(admin(), fixture.executionNamespace, `${name}-0`);
    expect(job?.spec).toMatchObject({ activeDeadlineSeconds: 3600 });
  });

  it("gives an attempt the default cpu and memory limits, so no author's task takes all its node has in the shared namespace", async () => {
    await start();
    const mallory = await author();
    // Flyte's task template carries the container's resources; the CRD keeps none of them.
    const manifest = taskAction({
      taskTemplate: {
        image: 'registry.invalid/task:1',
        resources: { limits: { cpu: '64', memory: '512Gi' } },
      },
    });
    const name = manifest.metadata.name;
    await vi.waitFor(() => apply(mallory, env.namespace, manifest), patience);
    await waitForPhase(admin(), env.namespace, name, 'Executing');
    const [job] = (await jobsOf(
      admin(),
      fixture.executionNamespace,
      `${name}-0`,
    )) as (KubeObject & {
      spec: { template: { spec: { containers: { resources?: unknown }[] } } };
    })[];
    // The API server makes the limits the requests too, when the pod is created.
    expect(job?.spec.template.spec.containers[0]?.resources).toEqual({
      limits: { cpu: '1', memory: '1Gi' },
    });
  });

  it('runs no attempt longer than --max-timeout, even when its author forged an admitted status', async () => {
    const mallory = await authorAndSignaller();
    const manifest = taskAction({
      taskTemplate: { image: 'registry.invalid/task:1', timeout: '8760h' },
    });
    const name = manifest.metadata.name;
    await apply(mallory, env.namespace, manifest);
    await forgeAdmittedStatus(mallory, name);

    await start();
    const failed = await waitForPhase(admin(), env.namespace, name, 'InvalidSpec');
    expect(failed.status.errorState?.message).toMatch(
      /^spec\.taskTemplate\.timeout: 8760h is longer than .*--max-timeout/,
    );
    expect(await jobsOf(admin(), fixture.executionNamespace, `${name}-0`)).toEqual([]);
  });
});
