/**
 * Past 350 lines: the attacks share one installation (RBAC, the admission policy, a controller
 * under its own identity) set up once, and read as one list of what an author may try.
 */
import { readFileSync } from 'node:fs';
import { KubeClient, type KubeObject, KubernetesApiError, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import {
  ensureWorkflowExecutionAdmissionPolicy,
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
  workflowExecutions,
} from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type StoredExecution, useController } from '../workflowexecution/controller-fixture.js';
import {
  eventsAbout,
  jobRegistry,
  type Manifest,
  manifest,
  patience,
  type RunningController,
  startController,
} from '../workflowexecution/harness.js';
import { grantRole, type Rule } from './rbac-grant.js';

/*
 * The example controller as installed: the rules of its deploy/rbac.yaml, the admission policy
 * for its execution namespace, and the bundle sources of its deploy/deployment.yaml. Authors
 * are minted users who may create, read, patch and delete WorkflowExecutions in their own
 * namespace and nothing else (one of them may also read two Secrets of the execution
 * namespace); each attack is what such an author can send, and each test says what comes of it.
 */

const deploy = new URL('../../examples/workflowexecution-controller/deploy/', import.meta.url);

/** The shipped deployment's `--allowed-bundles`, read from the file so the two cannot drift. */
const shippedBundles = (() => {
  const text = readFileSync(new URL('deployment.yaml', deploy), 'utf8');
  const flag = /--allowed-bundles=(\S+)/.exec(text)?.[1];
  if (!flag) throw new Error('deployment.yaml sets no --allowed-bundles');
  return flag.split(',');
})();

/** The rules deploy/rbac.yaml gives the controller: its ClusterRole's and its execution Role's. */
function shippedRules(): { cluster: Rule[]; execution: Rule[] } {
  const objects = parseAllDocuments(readFileSync(new URL('rbac.yaml', deploy), 'utf8')).map(
    (doc) => doc.toJSON() as KubeObject & { rules?: Rule[] },
  );
  const rulesOf = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
    if (!found?.rules) throw new Error(`rbac.yaml has no ${kind} ${name}`);
    return found.rules;
  };
  return {
    cluster: rulesOf('ClusterRole', 'roundhouse-workflowexecution-controller'),
    execution: rulesOf('Role', 'roundhouse-executions'),
  };
}

const clusterRoles = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  namespaced: false,
} as const;
const clusterRoleBindings = {
  ...clusterRoles,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
} as const;

/** The value of the execution namespace's Secrets: no status, Event or error may quote it. */
const secretValue = 'hunter2-do-not-print';

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(stringsOf);
}

describeWithControlPlane(
  'the installed WorkflowExecution controller against hostile authors',
  () => {
    const cluster = useController('wfe-installed');
    const { env, client } = cluster;
    let controller: RunningController | undefined;
    let policyName = '';
    let controllerRole = '';
    const authors: Record<string, KubeClient> = {};

    async function author(key: string, extra: { namespace: string; rules: Rule[] }[] = []) {
      const user = `${env.namespace}-${key}`;
      await grantRole(client(), env.namespace, {
        user,
        name: `author-${key}`,
        rules: [
          {
            apiGroups: ['roundhouse.dev'],
            resources: ['workflowexecutions'],
            verbs: ['create', 'get', 'list', 'delete', 'patch', 'update'],
          },
        ],
      });
      for (const { namespace, rules } of extra) {
        await grantRole(client(), namespace, { user, name: `author-${key}-extra`, rules });
      }
      authors[key] = new KubeClient(await env.userKubeConfig(user));
      return authors[key];
    }

    /** Creates `object` as `who`, once RBAC and the policy have settled; the error if refused. */
    async function attempt(
      who: KubeClient,
      object: Manifest,
    ): Promise<KubernetesApiError | KubeObject> {
      return who.create(workflowExecutions, env.namespace, object).then(
        ({ object: created }) => created,
        (e: unknown) => {
          if (e instanceof KubernetesApiError) return e;
          throw e;
        },
      );
    }

    function admitted(who: KubeClient, object: Manifest): Promise<KubeObject> {
      return vi.waitFor(async () => {
        const result = await attempt(who, object);
        if (result instanceof KubernetesApiError) throw result;
        return result;
      }, patience);
    }

    /** What an author, or anyone who may read the namespace, sees of a refused execution. */
    async function visibleText(name: string): Promise<string[]> {
      const stored = await client().get<StoredExecution>(workflowExecutions, env.namespace, name);
      const events = await eventsAbout(client(), env.namespace, name);
      return stringsOf([stored?.status, events.map((e) => (e as { message?: string }).message)]);
    }

    beforeAll(async () => {
      const admin = client();
      const { executionNamespace } = cluster;
      // The controller's identity holds exactly the shipped rules, here in this file's namespaces.
      const identityName = `system:serviceaccount:${executionNamespace}:controller`;
      const rules = shippedRules();
      controllerRole = `roundhouse-wfe-controller-${executionNamespace}`;
      await admin.create(clusterRoles, undefined, {
        metadata: { name: controllerRole },
        rules: rules.cluster,
      });
      await admin.create(clusterRoleBindings, undefined, {
        metadata: { name: controllerRole },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: controllerRole,
        },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: identityName }],
      });
      await grantRole(admin, executionNamespace, {
        user: identityName,
        name: 'roundhouse-executions',
        rules: rules.execution,
      });
      await admin.create(resources.serviceAccounts, executionNamespace, {
        metadata: { name: 'roundhouse-workflow-runner' },
      });

      // The admission policy for this execution namespace, bound to this file's namespace only
      // (the control plane is shared); the binding's scope field belongs to this manager.
      policyName = `roundhouse-wfe-installed-${executionNamespace}`;
      await admin.patch(
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
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': env.namespace } },
            },
          },
        },
        { strategy: 'apply', force: true, fieldManager: 'security-test-scope' },
      );
      await ensureWorkflowExecutionAdmissionPolicy(admin, { executionNamespace, name: policyName });

      await admin.create(resources.secrets, executionNamespace, {
        metadata: { name: 'victim' },
        stringData: { password: secretValue },
      });
      await admin.create(resources.secrets, executionNamespace, {
        metadata: {
          name: 'elsewhere',
          annotations: { 'roundhouse.dev/allowed-namespaces': 'team-z, *-team' },
        },
        stringData: { password: secretValue },
      });

      await author('alice');
      // bob may also read both Secrets of the execution namespace (the policy admits him), though
      // neither opted in to his namespace.
      await author('bob', [
        {
          namespace: executionNamespace,
          rules: [
            {
              apiGroups: [''],
              resources: ['secrets'],
              resourceNames: ['victim', 'elsewhere'],
              verbs: ['get'],
            },
          ],
        },
      ]);

      const identity = await env.userKubeConfig(identityName);
      controller = await startController({
        kubeConfig: identity,
        installWith: env.kubeConfig,
        registry: jobRegistry(identity, { runSeconds: 600 }),
        watchNamespace: env.namespace,
        executionNamespace,
        policy: { bundles: shippedBundles },
      });
    });

    afterAll(async () => {
      await controller?.stop();
      const admin = client();
      if (policyName) {
        await admin.delete(validatingAdmissionPolicyBindings, undefined, policyName);
        await admin.delete(validatingAdmissionPolicies, undefined, policyName);
      }
      if (controllerRole) {
        await admin.delete(clusterRoleBindings, undefined, controllerRole);
        await admin.delete(clusterRoles, undefined, controllerRole);
      }
    });

    const allowedBundle = 'registry.example.com/workflows/restart:1';

    it('runs an allowed bundle for a plain author: the control for every refusal below', async () => {
      const wfe = manifest({
        bundle: allowedBundle,
        target: `${env.namespace}/deployment/control`,
      });
      await admitted(authors.alice!, wfe);
      await cluster.waitForStoredPhase(wfe.metadata.name, 'Running');
      expect(await cluster.jobsOf(wfe.metadata.name)).toHaveLength(1);
    });

    it('refuses bundles dressed up as the allowed source, at create or before anything is created', async () => {
      // The API server's grammar refuses these at create (422): no ASCII look-alike, no empty or
      // dot path segment, no whitespace, no second reference after an '@'.
      const invalid = [
        'registry.example.com/workflows//restart:1',
        'registry.example.com/workflows/../evil:1',
        'registry.example.com/workflows/restart:1@evil.example/x',
        'r\u0435gistry.example.com/workflows/restart:1',
        `${allowedBundle} `,
        `//${allowedBundle}`,
      ];
      // These are references (or a URL) the controller compares as written: none is the source.
      const forbidden = [
        'REGISTRY.EXAMPLE.COM/workflows/restart:1',
        'registry.example.com:443/workflows/restart:1',
        'registry.example.com.evil.example/workflows/restart:1',
        'evil.example/registry.example.com/workflows/restart:1',
        'registry.example.com/workflowsx/restart:1',
        'registry.example.com/workflows',
        'docker.io/registry.example.com/workflows/restart:1',
        'https://registry.example.com/workflows/restart',
      ];
      for (const [index, bundle] of [...invalid, ...forbidden].entries()) {
        const wfe = manifest({ bundle, target: `${env.namespace}/deployment/bundle-${index}` });
        const result = await attempt(authors.alice!, wfe);
        if (invalid.includes(bundle)) {
          expect(result, bundle).toMatchObject({ statusCode: 422 });
          continue;
        }
        expect(result, bundle).not.toBeInstanceOf(KubernetesApiError);
        const failed = await cluster.waitForStoredPhase(wfe.metadata.name, 'Failed');
        expect(failed.status?.failureDetails, bundle).toMatchObject({
          reason: 'Forbidden',
          message: expect.stringContaining(
            `spec.workflowRef.executionBundle: bundle "${bundle}" is not from a source this controller allows (${shippedBundles.join(', ')})`,
          ),
          wasExecutionFailure: false,
        });
        expect(await cluster.jobsOf(wfe.metadata.name)).toEqual([]);
      }
    });

    it('refuses a Secret the author may read that did not opt in to their namespace, quoting no value', async () => {
      for (const name of ['victim', 'elsewhere']) {
        const wfe = manifest({
          target: `${env.namespace}/deployment/dep-${name}`,
          bundle: allowedBundle,
          dependencies: { secrets: [{ name }] },
        });
        await admitted(authors.bob!, wfe);
        const failed = await cluster.waitForStoredPhase(wfe.metadata.name, 'Failed');
        expect(failed.status?.failureDetails).toMatchObject({
          reason: 'Forbidden',
          message: expect.stringContaining(
            `spec.dependencies.secrets[0]: dependency Secret "${name}" in namespace ${cluster.executionNamespace} does not exist or does not allow WorkflowExecutions from namespace ${env.namespace}; its owner creates it there and opts in with the annotation roundhouse.dev/allowed-namespaces`,
          ),
        });
        expect(await cluster.jobsOf(wfe.metadata.name)).toEqual([]);
        for (const text of await visibleText(wfe.metadata.name)) {
          expect(text).not.toContain(secretValue);
        }
      }
    });

    it('passes shell, kubelet, YAML and JSON payloads to the workflow as literal values, and nothing more', async () => {
      const payloads = {
        SHELL_PAYLOAD: '"; id; echo $(id) `id` #',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, sent as text
        KUBELET_PAYLOAD: '$(KUBERNETES_SERVICE_HOST) $$(X) ${HOME}',
        YAML_PAYLOAD: 'x\n  - name: LD_PRELOAD\n    value: /tmp/evil.so\n---\nkind: Pod',
        JSON_PAYLOAD: '","name":"LD_PRELOAD","value":"/tmp/x"}]},{"x":"',
      };
      const target = `${env.namespace}/deployment/params`;
      const wfe = manifest({ target, bundle: allowedBundle, parameters: payloads });
      await admitted(authors.alice!, wfe);
      await cluster.waitForStoredPhase(wfe.metadata.name, 'Running');
      const [job] = await cluster.jobsOf(wfe.metadata.name);
      const pod = (job as KubeObject & { spec: { template: { spec: PodSpec } } }).spec.template
        .spec;
      expect(pod.containers).toHaveLength(1);
      expect(pod.volumes?.map((v) => v.name)).toEqual(['tmp']);
      expect(pod.serviceAccountName).toBe('roundhouse-workflow-runner');
      const [container] = pod.containers;
      expect(container?.image).toBe(allowedBundle);
      // The kubelet reads "$$" as one literal "$": each value reaches the program as written.
      const literal = (value: string) => value.replaceAll('$', () => '$$');
      expect(container?.env).toEqual([
        { name: 'TARGET_RESOURCE', value: target },
        ...Object.entries(payloads)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, value]) => ({ name, value: literal(value) })),
        { name: 'HOME', value: '/tmp' },
        { name: 'TMPDIR', value: '/tmp' },
      ]);
    });

    it('may not read, patch or delete what the controller made for them in the execution namespace', async () => {
      const wfe = manifest({ target: `${env.namespace}/deployment/touch`, bundle: allowedBundle });
      await admitted(authors.alice!, wfe);
      const [job] = await vi.waitFor(async () => {
        const jobs = await cluster.jobsOf(wfe.metadata.name);
        expect(jobs).toHaveLength(1);
        return jobs;
      }, patience);
      const name = job!.metadata!.name!;
      const alice = authors.alice!;
      const ns = cluster.executionNamespace;
      const attempts: [string, () => Promise<unknown>][] = [
        ['get job', () => alice.get(resources.jobs, ns, name)],
        ['delete job', () => alice.delete(resources.jobs, ns, name)],
        [
          'patch job',
          () => alice.patch(resources.jobs, ns, name, { metadata: { labels: { x: 'y' } } }),
        ],
        ['list pods', () => alice.list(resources.pods, ns)],
        ['get secret', () => alice.get(resources.secrets, ns, 'victim')],
      ];
      for (const [what, action] of attempts) {
        await expect(action(), what).rejects.toMatchObject({ statusCode: 403 });
      }
      expect(await cluster.jobsOf(wfe.metadata.name)).toHaveLength(1);
    });

    it('strips the finalizer of a running execution and deletes it: its Job is deleted all the same', async () => {
      const wfe = manifest({ target: `${env.namespace}/deployment/strip`, bundle: allowedBundle });
      await admitted(authors.alice!, wfe);
      await cluster.waitForStoredPhase(wfe.metadata.name, 'Running');
      await authors.alice!.patch(workflowExecutions, env.namespace, wfe.metadata.name, {
        metadata: { finalizers: null },
      });
      await authors.alice!.delete(workflowExecutions, env.namespace, wfe.metadata.name);
      await vi.waitFor(
        async () => expect(await cluster.jobsOf(wfe.metadata.name)).toEqual([]),
        patience,
      );
    });

    it('asks for deadlines past the ceiling and the default runner by name: each refused, naming the field and the fix', async () => {
      const timeout = manifest({
        target: `${env.namespace}/deployment/timeout`,
        bundle: allowedBundle,
        timeout: '2562047h',
      });
      const timesOutAt = manifest({
        target: `${env.namespace}/deployment/times-out-at`,
        bundle: allowedBundle,
      });
      (timesOutAt.spec as { timesOutAt?: string }).timesOutAt = '2999-01-01T00:00:00Z';
      const runner = manifest({
        target: `${env.namespace}/deployment/runner`,
        bundle: allowedBundle,
        serviceAccountName: 'roundhouse-workflow-runner',
      });
      await admitted(authors.alice!, timeout);
      await admitted(authors.alice!, timesOutAt);
      for (const [wfe, field] of [
        [timeout, 'spec.executionConfig.timeout: timeout "2562047h" is longer than the 24h'],
        [timesOutAt, 'spec.timesOutAt: 2999-01-01T00:00:00Z is more than the 24h'],
      ] as const) {
        const failed = await cluster.waitForStoredPhase(wfe.metadata.name, 'Failed');
        expect(failed.status?.failureDetails).toMatchObject({
          reason: 'Forbidden',
          message: expect.stringContaining(field),
        });
        expect(await cluster.jobsOf(wfe.metadata.name)).toEqual([]);
      }
      const refused = await attempt(authors.alice!, runner);
      expect(refused).toMatchObject({ statusCode: 403 });
      expect((refused as KubernetesApiError).message).toContain(
        'spec.executionConfig.serviceAccountName: ',
      );
      expect((refused as KubernetesApiError).message).toContain(
        'omit serviceAccountName to run as the default runner of the controller',
      );
    });

    it('cannot aim at any cluster-scoped kind the API server serves by writing their own namespace in front', async () => {
      const documents = (await client().discoverApiResources()) as DiscoveryDocument[];
      const { items: crds } = await client().list<KubeObject & { spec?: { group?: string } }>(
        resources.customResourceDefinitions,
        undefined,
      );
      // Custom kinds are the operator's to list (`--cluster-scoped-kinds`); Kubernetes' own are not.
      const customGroups = new Set(crds.map((crd) => crd.spec?.group));
      const names = new Set<string>();
      for (const group of documents.flatMap((d) => d.items ?? [])) {
        if (customGroups.has(group.metadata?.name)) continue;
        for (const r of (group.versions ?? []).flatMap((v) => v.resources ?? [])) {
          if (r.scope !== 'Cluster') continue;
          const spellings = [
            r.responseKind?.kind,
            r.resource,
            r.singularResource,
            ...(r.shortNames ?? []),
          ];
          for (const name of spellings) if (name) names.add(name);
        }
      }
      expect(names).toContain('nodes');
      const admittedNames: string[] = [];
      for (const name of names) {
        const wfe = manifest({ target: `${env.namespace}/${name}/x`, bundle: allowedBundle });
        const result = await attempt(authors.alice!, wfe);
        const refused =
          result instanceof KubernetesApiError &&
          result.statusCode === 403 &&
          result.message.includes(`may not target the cluster-scoped ${name} "x"`);
        if (!refused) admittedNames.push(name);
      }
      expect(admittedNames).toEqual([]);
    });
  },
);

interface PodSpec {
  serviceAccountName?: string;
  volumes?: { name: string }[];
  containers: { image?: string; env?: { name: string; value?: string }[] }[];
}

/** The parts of an aggregated discovery document (apidiscovery.k8s.io/v2) read here. */
interface DiscoveryDocument {
  items?: {
    metadata?: { name?: string };
    versions?: {
      resources?: {
        resource?: string;
        singularResource?: string;
        shortNames?: string[];
        scope?: string;
        responseKind?: { kind?: string };
      }[];
    }[];
  }[];
}
