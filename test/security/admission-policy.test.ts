/**
 * Past 350 lines: what the admission policy refuses and admits, on one control plane with the
 * policy installed once; the two lists read against each other.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { WorkflowExecutionSpec } from '@roundhouse/core';
import { KubeClient, type KubeObject, KubernetesApiError, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import {
  admissionPolicyNamedChecks,
  ensureWorkflowExecutionAdmissionPolicy,
  ensureWorkflowExecutionCrd,
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
  workflowExecutions,
} from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { grantRole, type Rule } from './rbac-grant.js';

/**
 * Issue 12: a WorkflowExecution cannot reach what its author cannot. The controller may get
 * every Secret and ConfigMap of the execution namespace and run as any ServiceAccount there;
 * the shipped ValidatingAdmissionPolicy makes the API server refuse a WorkflowExecution whose
 * author may not do so herself. Every request here is made by a minted non-admin user that
 * RBAC decides for, against the real kube-apiserver.
 */

/** VAP takes effect a moment after it is created, RBAC a moment after a Role is. */
const patience = { timeout: 60_000, interval: 250 };

describeWithControlPlane('the WorkflowExecution admission policy', () => {
  const env = useTestNamespace({ prefix: 'wfe-authors' });
  const admin = () => new KubeClient(env.kubeConfig);
  /** The execution namespace: this file's own, so the policy checks nothing shared. */
  let executionNamespace: string;
  let policyName: string;
  let sequence = 0;
  const users: Record<string, string> = {};
  const clients: Record<string, KubeClient> = {};

  async function grant(namespace: string, user: string, name: string, rules: Rule[]) {
    await grantRole(admin(), namespace, { user, name, rules });
  }

  /** A user who may create, read and patch WorkflowExecutions in the test namespace. */
  async function author(key: string): Promise<KubeClient> {
    const user = `${executionNamespace}-${key}`;
    users[key] = user;
    await grant(env.namespace, user, `wfe-author-${key}`, [
      {
        apiGroups: ['roundhouse.dev'],
        resources: ['workflowexecutions'],
        verbs: ['create', 'get', 'patch'],
      },
    ]);
    const config: KubeConfig = await env.userKubeConfig(user);
    clients[key] = new KubeClient(config);
    return clients[key];
  }

  function execution(spec: Partial<WorkflowExecutionSpec> = {}): KubeObject {
    sequence += 1;
    return {
      metadata: { name: `attack-${sequence}` },
      spec: {
        workflowRef: {
          workflowId: 'exfiltrate',
          version: '1',
          executionBundle: 'registry.invalid/cat-secrets:1',
        },
        targetResource: `${env.namespace}/deployment/app-${sequence}`,
        executionEngine: 'job',
        ...spec,
      },
    };
  }

  const withSecrets = (...names: string[]) =>
    execution({ dependencies: { secrets: names.map((name) => ({ name })) } });
  const withConfigMaps = (...names: string[]) =>
    execution({ dependencies: { configMaps: names.map((name) => ({ name })) } });
  const asServiceAccount = (serviceAccountName: string) =>
    execution({ executionConfig: { serviceAccountName } });

  /** The API server's refusal of `client` creating `object`; fails if it was admitted. */
  async function refusal(client: KubeClient, object: KubeObject): Promise<KubernetesApiError> {
    const error = await client.create(workflowExecutions, env.namespace, object).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error === undefined) {
      await admin().delete(workflowExecutions, env.namespace, object.metadata!.name!);
      throw new Error(`${object.metadata?.name} was admitted`);
    }
    expect(error).toBeInstanceOf(KubernetesApiError);
    return error as KubernetesApiError;
  }

  /** Waits until `client` may create `object` (RBAC caches settle) and returns it. */
  async function admitted(client: KubeClient, object: KubeObject): Promise<KubeObject> {
    let attempt = 0;
    return vi.waitFor(async () => {
      attempt += 1;
      const { object: created } = await client.create(workflowExecutions, env.namespace, {
        ...object,
        metadata: { name: `${object.metadata!.name}-${attempt}` },
      });
      return created;
    }, patience);
  }

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('wfe-exec');
    policyName = `roundhouse-wfe-author-access-${executionNamespace}`;
    await ensureWorkflowExecutionCrd(admin());
    // The control plane is shared by every test file: scope this binding to this file's
    // namespace. The field belongs to this manager, so the policy's own apply below keeps it.
    await admin().patch(
      validatingAdmissionPolicyBindings,
      undefined,
      policyName,
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: policyName },
        spec: {
          policyName,
          validationActions: ['Deny'],
          matchResources: {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': env.namespace },
            },
          },
        },
      },
      { strategy: 'apply', force: true, fieldManager: 'security-test-scope' },
    );
    await ensureWorkflowExecutionAdmissionPolicy(admin(), {
      executionNamespace,
      name: policyName,
    });
    await admin().create(resources.secrets, executionNamespace, {
      metadata: { name: 'victim' },
      stringData: { password: 'hunter2' },
    });
    await admin().create(resources.configMaps, executionNamespace, {
      metadata: { name: 'settings' },
      data: { mode: 'prod' },
    });
    await admin().create(resources.serviceAccounts, executionNamespace, {
      metadata: { name: 'runner' },
    });

    // alice may create WorkflowExecutions in her namespace and nothing in the execution one.
    const alice = await author('alice');
    await expect(alice.get(resources.secrets, executionNamespace, 'victim')).rejects.toMatchObject({
      reason: 'Forbidden',
    });
    // bob may also read victim and settings and mint tokens for runner, and nothing else there.
    await author('bob');
    await grant(executionNamespace, users.bob!, 'bob-dependencies', [
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['victim'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['get'] },
      {
        apiGroups: [''],
        resources: ['serviceaccounts/token'],
        resourceNames: ['runner'],
        verbs: ['create'],
      },
    ]);
    // carol may read every Secret of the execution namespace.
    await author('carol');
    await grant(executionNamespace, users.carol!, 'carol-secrets', [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    ]);

    const binding = await admin().get<KubeObject & { spec: Record<string, unknown> }>(
      validatingAdmissionPolicyBindings,
      undefined,
      policyName,
    );
    expect(binding?.spec).toMatchObject({
      policyName,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: expect.anything() },
    });
    // The policy is enforced a moment after it is created: until alice's attack is refused.
    await vi.waitFor(() => refusal(alice, withSecrets('victim')), patience);
  });

  afterAll(async () => {
    if (!policyName) return;
    await admin().delete(validatingAdmissionPolicyBindings, undefined, policyName);
    await admin().delete(validatingAdmissionPolicies, undefined, policyName);
    await env.controlPlane.deleteNamespace(executionNamespace);
  });

  describe('refuses a WorkflowExecution that reaches past its author', () => {
    it('mounting a Secret she may not get: 403 naming the Secret, namespace and permission', async () => {
      const attack = withSecrets('victim');
      const error = await refusal(clients.alice!, attack);
      expect(error.statusCode).toBe(403);
      expect(error.reason).toBe('Forbidden');
      expect(error.message).toContain(
        `spec.dependencies.secrets[0]: ${users.alice} may not get Secret "victim" in namespace ${executionNamespace}`,
      );
      expect(error.message).toContain(
        `missing permission: get secrets "victim" in namespace ${executionNamespace}`,
      );
      // Nothing was stored.
      expect(
        await admin().list(workflowExecutions, env.namespace, {
          fieldSelector: `metadata.name=${attack.metadata?.name}`,
        }),
      ).toMatchObject({ items: [] });
    });

    it('mounting a ConfigMap she may not get', async () => {
      const error = await refusal(clients.alice!, withConfigMaps('settings'));
      expect(error.reason).toBe('Forbidden');
      expect(error.message).toContain(
        `spec.dependencies.configMaps[0]: ${users.alice} may not get ConfigMap "settings" in namespace ${executionNamespace}`,
      );
      expect(error.message).toContain('missing permission: get configmaps "settings"');
    });

    it("through kubernaut's catalog-snapshot fields: a Secret she may not get after one she may, and a ServiceAccount", async () => {
      // bob may get "victim" only: the second Secret, listed in workflowRef.dependencies after
      // spec.dependencies' one, is refused under the field it came from.
      const split = execution({
        dependencies: { secrets: [{ name: 'victim' }] },
        workflowRef: {
          workflowId: 'restart',
          version: '1',
          executionBundle: 'quay.io/acme/restart:1',
          dependencies: { secrets: [{ name: 'other' }] },
        },
      });
      const error = await refusal(clients.bob!, split);
      expect(error.message).toContain(
        `spec.workflowRef.dependencies.secrets[0]: ${users.bob} may not get Secret "other" in namespace ${executionNamespace}`,
      );
      expect(error.message).not.toContain('"victim"');
      const asRunner = execution({
        workflowRef: {
          workflowId: 'restart',
          version: '1',
          executionBundle: 'quay.io/acme/restart:1',
          serviceAccountName: 'runner',
        },
      });
      const refused = await refusal(clients.alice!, asRunner);
      expect(refused.message).toContain(
        `spec.workflowRef.serviceAccountName: ${users.alice} may not run as ServiceAccount "runner" in namespace ${executionNamespace}`,
      );
      await admitted(clients.bob!, asRunner);
    });

    it('running as a ServiceAccount she may not create tokens for', async () => {
      const error = await refusal(clients.alice!, asServiceAccount('runner'));
      expect(error.reason).toBe('Forbidden');
      expect(error.message).toContain(
        `spec.executionConfig.serviceAccountName: ${users.alice} may not run as ServiceAccount "runner" in namespace ${executionNamespace}`,
      );
      expect(error.message).toContain(
        `missing permission: create serviceaccounts/token "runner" in namespace ${executionNamespace}`,
      );
    });

    it('targeting a namespace where she may not create WorkflowExecutions: 403 naming it', async () => {
      const error = await refusal(
        clients.alice!,
        execution({ targetResource: `${executionNamespace}/deployment/web` }),
      );
      expect(error.reason).toBe('Forbidden');
      expect(error.message).toContain(
        `spec.targetResource: ${users.alice} may not target namespace ${executionNamespace}`,
      );
      expect(error.message).toContain(
        `missing permission: create workflowexecutions.roundhouse.dev in namespace ${executionNamespace}`,
      );
    });

    it('targeting a cluster-scoped object without the right to create WorkflowExecutions everywhere', async () => {
      const error = await refusal(clients.bob!, execution({ targetResource: 'node/worker-1' }));
      expect(error.message).toContain(
        `spec.targetResource: ${users.bob} may not target the cluster-scoped node "worker-1"`,
      );
      expect(error.message).toContain(
        'missing permission: create workflowexecutions.roundhouse.dev in every namespace',
      );
    });

    it('targeting a cluster-scoped object behind the namespace of their own', async () => {
      // kubectl ignores a Node's namespace: the workflow would act on the Node all the same.
      // Kinds of 1.36's API the first list missed, and Cluster<Something> custom kinds.
      for (const kind of [
        ...['Node', 'nodes', 'ns', 'ClusterRole', 'ServiceCIDR', 'ipaddresses', 'DeviceClass'],
        ...['ClusterIssuer', 'clusterpolicies'],
      ]) {
        const error = await refusal(
          clients.bob!,
          execution({ targetResource: `${env.namespace}/${kind}/worker-1` }),
        );
        expect(error.message, kind).toContain(
          `spec.targetResource: ${users.bob} may not target the cluster-scoped ${kind} "worker-1"`,
        );
      }
    });

    it('naming a Secret that does not exist (yet): the permission decides, not existence', async () => {
      const error = await refusal(clients.alice!, withSecrets('planted-later'));
      expect(error.message).toContain('may not get Secret "planted-later"');
    });

    it('one dependency too many for a granted user, naming only that one', async () => {
      const error = await refusal(
        clients.bob!,
        execution({
          dependencies: { secrets: [{ name: 'victim' }, { name: 'other' }] },
        }),
      );
      expect(error.message).toContain('spec.dependencies.secrets[1]');
      expect(error.message).toContain('"other"');
      expect(error.message).not.toContain('"victim"');
    });

    it(`more than ${admissionPolicyNamedChecks} Secrets unless she may get every Secret`, async () => {
      const many = Array.from({ length: admissionPolicyNamedChecks + 1 }, (_, i) => `s-${i}`);
      await grant(executionNamespace, users.bob!, 'bob-many', [
        { apiGroups: [''], resources: ['secrets'], resourceNames: many, verbs: ['get'] },
      ]);
      // bob may get each of them by name, so the first ten pass; the eleventh is beyond the
      // slots and he may not get every Secret.
      await vi.waitFor(async () => {
        const error = await refusal(clients.bob!, withSecrets(...many));
        expect(error.message).toContain(
          `spec.dependencies.secrets and spec.workflowRef.dependencies.secrets list ${many.length} Secrets; at most ${admissionPolicyNamedChecks} are checked one by one`,
        );
        expect(error.message).toContain(
          `missing permission: get secrets in namespace ${executionNamespace}`,
        );
        expect(error.message).not.toContain('spec.dependencies.secrets[');
      }, patience);
      await admitted(clients.carol!, withSecrets(...many));
    });
  });

  describe('admits', () => {
    it('the same dependencies and ServiceAccount for a user granted each of them', async () => {
      const created = await admitted(
        clients.bob!,
        execution({
          dependencies: { secrets: [{ name: 'victim' }], configMaps: [{ name: 'settings' }] },
          executionConfig: { serviceAccountName: 'runner' },
        }),
      );
      expect(created.metadata?.uid).toBeDefined();
    });

    it('a target in another namespace for a user who may create WorkflowExecutions there', async () => {
      const dave = await author('dave');
      await grant(executionNamespace, users.dave!, 'dave-workflows', [
        {
          apiGroups: ['roundhouse.dev'],
          resources: ['workflowexecutions'],
          verbs: ['create'],
        },
      ]);
      await admitted(dave, execution({ targetResource: `${executionNamespace}/deployment/web` }));
    });

    it('a WorkflowExecution with no dependencies and no ServiceAccount', async () => {
      await admitted(clients.alice!, execution());
      await admitted(clients.alice!, execution({ dependencies: { secrets: [], configMaps: [] } }));
    });

    it('the costliest WorkflowExecution within the CEL budget: every check of the policy', async () => {
      // erin may get every Secret and ConfigMap, mint tokens for runner and create
      // WorkflowExecutions in the target's namespace: past the slots, so every authorizer check
      // of the policy runs (25 of 350,000 cost each), with both of kubernaut's shapes filled.
      const erin = await author('erin');
      await grant(executionNamespace, users.erin!, 'erin-everything', [
        { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get'] },
        {
          apiGroups: [''],
          resources: ['serviceaccounts/token'],
          resourceNames: ['runner'],
          verbs: ['create'],
        },
        { apiGroups: ['roundhouse.dev'], resources: ['workflowexecutions'], verbs: ['create'] },
      ]);
      const names = Array.from({ length: admissionPolicyNamedChecks + 1 }, (_, i) => ({
        name: `dep-${i}`,
      }));
      await admitted(
        erin,
        execution({
          dependencies: { secrets: names, configMaps: names.slice(0, 5) },
          executionConfig: { serviceAccountName: 'runner' },
          workflowRef: {
            workflowId: 'restart',
            version: '1',
            executionBundle: 'quay.io/acme/restart:1',
            serviceAccountName: 'runner',
            dependencies: { configMaps: names.slice(5) },
          },
          targetResource: `${executionNamespace}/deployment/web`,
        }),
      );
    });

    it("an empty serviceAccountName, which means the controller's default runner", async () => {
      await admitted(clients.alice!, asServiceAccount(''));
    });

    it('updates, which it does not match: the spec is immutable, and the controller writes them', async () => {
      const { object } = await admin().create(
        workflowExecutions,
        env.namespace,
        withSecrets('victim'),
      );
      const patched = await clients.alice!.patch(
        workflowExecutions,
        env.namespace,
        object.metadata!.name!,
        { metadata: { labels: { reviewed: 'true' } } },
      );
      expect(patched.metadata?.labels).toEqual({ reviewed: 'true' });
    });
  });
});
