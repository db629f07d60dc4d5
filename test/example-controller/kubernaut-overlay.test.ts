import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { InformerCache } from '@roundhouse/controller';
import { noopLogger, Registry, type ResourceType } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import {
  checkWorkflowExecutionCrd,
  createWorkflowExecutionController,
  validatingAdmissionPolicyBindings,
  workflowExecutionAdmissionPolicy,
  workflowExecutionApi,
  workflowExecutionCrd,
} from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { presets } from '../../examples/workflowexecution-controller/src/presets.js';
import { kubernaut } from '../../scripts/manifests.js';
import { grantRole } from '../security/rbac-grant.js';
import { manifest, patience } from '../workflowexecution/harness.js';
import { deployDir } from './kustomize.js';
import { ServerSideApply } from './server-side-apply.js';

const run = promisify(execFile);
const preset = presets.kubernaut;
const api = workflowExecutionApi(preset.apiGroup);
const controllerNamespace = kubernaut.controllerNamespace;
const serviceAccount = `system:serviceaccount:${controllerNamespace}:roundhouse-controller`;
const groups = ['system:serviceaccounts', `system:serviceaccounts:${controllerNamespace}`];

const selfSubjectAccessReviews: ResourceType = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  namespaced: false,
};

/** CI systems set CI; "false" and "0" turn it off, as kustomize.ts reads it. */
const onCi = () => !['', 'false', '0'].includes((process.env.CI ?? '').trim().toLowerCase());

/** `kustomize build deploy/kubernaut`, with the kustomize kustomize.ts builds (exit 3: no Go). */
async function renderOverlay(): Promise<KubeObject[] | string> {
  let binary: string;
  try {
    const script = new URL(
      '../../examples/workflowexecution-controller/scripts/build-kustomize.sh',
      import.meta.url,
    ).pathname;
    const { stdout } = await run('bash', [script], { timeout: 600_000 });
    binary = stdout.trim().split('\n').at(-1) as string;
  } catch (error) {
    const { code, stderr } = error as { code?: number; stderr?: string };
    if (code === 3 && !onCi()) return String(stderr).trim();
    throw error;
  }
  const { stdout } = await run(binary, ['build', `${deployDir}/kubernaut`], { timeout: 60_000 });
  return parseAllDocuments(stdout).map((doc) => doc.toJSON() as KubeObject);
}

/**
 * `kubectl apply --server-side -k examples/workflowexecution-controller/deploy/kubernaut` on the
 * real control plane, then the controller as kubernaut's preset runs it, with nothing but the
 * overlay's ServiceAccount's permissions.
 */
describeWithControlPlane('the kubernaut overlay, applied with kubectl apply -k', () => {
  const env = useTestNamespace({ prefix: 'wfe-kubernaut-overlay' });
  let rendered: KubeObject[] | string;
  const admin = () => new KubeClient(env.kubeConfig);
  const objects = () => {
    if (typeof rendered === 'string') throw new Error(rendered);
    return rendered;
  };
  const find = (kind: string) => objects().find((o) => o.kind === kind) as KubeObject;
  let stopController: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    rendered = await renderOverlay();
  }, 900_000);

  afterAll(async () => {
    await stopController?.();
    if (typeof rendered !== 'string') {
      await admin().delete(
        validatingAdmissionPolicyBindings,
        undefined,
        kubernaut.admissionPolicyName,
      );
    }
  });

  it("renders kubernaut's CRD and admission policy, and the base's objects in kubernaut's namespaces", (ctx) => {
    if (typeof rendered === 'string') return ctx.skip(rendered);
    expect(
      objects()
        .map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`)
        .sort(),
    ).toEqual([
      'ClusterRole//roundhouse-workflowexecution-controller-kubernaut',
      'ClusterRoleBinding//roundhouse-workflowexecution-controller-kubernaut',
      'CustomResourceDefinition//workflowexecutions.kubernaut.ai',
      `Deployment/${controllerNamespace}/roundhouse-controller`,
      `LimitRange/${preset.executionNamespace}/roundhouse-workflow-defaults`,
      `Namespace//${preset.executionNamespace}`,
      `Namespace//${controllerNamespace}`,
      `Role/${preset.executionNamespace}/roundhouse-executions`,
      `Role/${controllerNamespace}/roundhouse-controller`,
      `RoleBinding/${preset.executionNamespace}/roundhouse-executions`,
      `RoleBinding/${controllerNamespace}/roundhouse-controller`,
      `Service/${controllerNamespace}/roundhouse-controller-metrics`,
      `ServiceAccount/${preset.executionNamespace}/${preset.conventions.defaultServiceAccountName}`,
      `ServiceAccount/${controllerNamespace}/roundhouse-controller`,
      'ValidatingAdmissionPolicy//roundhouse-workflowexecution-author-access-kubernaut',
      'ValidatingAdmissionPolicyBinding//roundhouse-workflowexecution-author-access-kubernaut',
    ]);
    expect(find('CustomResourceDefinition')).toEqual(
      workflowExecutionCrd({ apiGroup: preset.apiGroup }),
    );
    const { policy, binding } = workflowExecutionAdmissionPolicy({
      executionNamespace: preset.executionNamespace,
      apiGroup: preset.apiGroup,
      name: kubernaut.admissionPolicyName,
    });
    expect(find('ValidatingAdmissionPolicy')).toEqual(policy);
    expect(find('ValidatingAdmissionPolicyBinding')).toEqual(binding);
  });

  it('passes the API server as it is: a server-side dry run of every object, with no warnings', async (ctx) => {
    if (typeof rendered === 'string') return ctx.skip(rendered);
    const client = new ServerSideApply(env.kubeConfig, 'kubectl');
    try {
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
  });

  it("runs a kubernaut.ai execution to Completed as the overlay's ServiceAccount, its CRD checked at start", async (ctx) => {
    if (typeof rendered === 'string') return ctx.skip(rendered);
    const client = new ServerSideApply(env.kubeConfig, 'kubectl');
    try {
      // Not the Deployment: this process runs the controller in its place. The binding is
      // scoped to this file's namespace, as deploy.test.ts scopes the base's: the control plane
      // is shared with test files that create kubernaut.ai executions of their own.
      for (const object of objects().filter((o) => o.kind !== 'Deployment')) {
        await client.apply(
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
            : object,
        );
      }
    } finally {
      await client.close();
    }
    await vi.waitFor(async () => expect(await admin().isServed(api.resource)).toBe(true), patience);

    const identity = await env.userKubeConfig(serviceAccount, groups);
    const own = new KubeClient(identity);
    const cache = new InformerCache(identity, { client: own });
    const warnings: unknown[] = [];
    const { controller } = await createWorkflowExecutionController({
      kubeConfig: identity,
      client: own,
      cache,
      registry: new Registry().register(
        new JobExecutor(own, {
          conventions: preset.conventions,
          podAnnotations: { [podControls.runSeconds]: '1' },
          reader: cache,
        }),
      ),
      watchNamespace: env.namespace,
      executionNamespace: preset.executionNamespace,
      apiGroup: preset.apiGroup,
      events: preset.events,
      workers: 2,
      policy: { bundles: ['registry.invalid/*'] },
      logger: { ...noopLogger, warn: (...args: unknown[]) => warnings.push(args) },
    });
    const abort = new AbortController();
    const running = controller.start(abort.signal);
    stopController = async () => {
      abort.abort();
      await running;
    };
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    // The start-up check read the CRD: a controller refused the read warns and starts unchecked.
    expect(warnings).toEqual([]);

    const wfe = {
      ...manifest({ target: `${env.namespace}/deployment/overlay-app` }),
      apiVersion: `${preset.apiGroup}/v1alpha1`,
    };
    await admin().create(api.resource, env.namespace, wfe);
    const done = await vi.waitFor(async () => {
      const object = await admin().get<KubeObject & { status?: { phase?: string } }>(
        api.resource,
        env.namespace,
        wfe.metadata.name,
      );
      expect(object?.status?.phase).toBe('Completed');
      return object;
    }, patience);
    expect(done?.metadata?.finalizers).toEqual([api.finalizer]);
  });

  it("refuses a kubernaut.ai execution whose author may not get its Secret in kubernaut-workflows (the overlay's policy)", async (ctx) => {
    if (typeof rendered === 'string') return ctx.skip(rendered);
    // Applied (binding scoped to this namespace) by the test before.
    const user = `${env.namespace}-author`;
    await grantRole(admin(), env.namespace, {
      user,
      name: 'kubernaut-wfe-author',
      rules: [
        { apiGroups: [preset.apiGroup], resources: ['workflowexecutions'], verbs: ['create'] },
      ],
    });
    const author = new KubeClient(await env.userKubeConfig(user));
    const attack = {
      ...manifest({
        target: `${env.namespace}/deployment/overlay-attack`,
        dependencies: { secrets: [{ name: 'victim' }] },
      }),
      apiVersion: `${preset.apiGroup}/v1alpha1`,
    };
    // Enforced a moment after the policy is created; until then RBAC or the policy may lag.
    const error = await vi.waitFor(async () => {
      const refused = await author.create(api.resource, env.namespace, attack).then(
        () => undefined,
        (e: unknown) => e as { reason?: string; message?: string },
      );
      if (refused === undefined) {
        await admin().delete(api.resource, env.namespace, attack.metadata.name);
      }
      expect(refused, 'the execution was admitted').toBeDefined();
      expect(refused?.message).toContain('may not get Secret "victim"');
      return refused;
    }, patience);
    expect(error).toMatchObject({ reason: 'Forbidden' });
    expect(error?.message).toContain(`in namespace ${preset.executionNamespace}`);
  });

  it("may do what the kubernaut-group controller does, and nothing of the base's", async (ctx) => {
    if (typeof rendered === 'string') return ctx.skip(rendered);
    const client = new KubeClient(await env.userKubeConfig(serviceAccount, groups));
    const allowed = async (attributes: Record<string, string>) => {
      const { object } = await client.create<KubeObject & { status?: { allowed?: boolean } }>(
        selfSubjectAccessReviews,
        undefined,
        { spec: { resourceAttributes: attributes } },
      );
      return object.status?.allowed === true;
    };
    const wfe = (group: string, resource: string, verb: string) => ({
      namespace: env.namespace,
      group,
      resource: 'workflowexecutions',
      ...(resource ? { subresource: resource } : {}),
      verb,
    });
    const crd = (name: string) => ({
      group: 'apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
      verb: 'get',
      name,
    });
    const grants = {
      'kubernaut.ai list': wfe(preset.apiGroup, '', 'list'),
      'kubernaut.ai watch': wfe(preset.apiGroup, '', 'watch'),
      'kubernaut.ai patch': wfe(preset.apiGroup, '', 'patch'),
      'kubernaut.ai status update': wfe(preset.apiGroup, 'status', 'update'),
      'kubernaut.ai finalizers update': wfe(preset.apiGroup, 'finalizers', 'update'),
      'its CRD': crd(`workflowexecutions.${preset.apiGroup}`),
      'jobs in kubernaut-workflows': {
        namespace: preset.executionNamespace,
        group: 'batch',
        resource: 'jobs',
        verb: 'create',
      },
      'its Lease': {
        namespace: controllerNamespace,
        group: 'coordination.k8s.io',
        resource: 'leases',
        verb: 'update',
      },
    };
    const refusals = {
      'kubernaut.ai create': wfe(preset.apiGroup, '', 'create'),
      'kubernaut.ai delete': wfe(preset.apiGroup, '', 'delete'),
      'roundhouse.dev list': wfe('roundhouse.dev', '', 'list'),
      'roundhouse.dev status update': wfe('roundhouse.dev', 'status', 'update'),
      "the base's CRD": crd('workflowexecutions.roundhouse.dev'),
      'every CRD': crd(''),
      'jobs in roundhouse-workflows': {
        namespace: 'roundhouse-workflows',
        group: 'batch',
        resource: 'jobs',
        verb: 'create',
      },
      'secrets in roundhouse-workflows': {
        namespace: 'roundhouse-workflows',
        group: '',
        resource: 'secrets',
        verb: 'get',
      },
      "the base's Lease": {
        namespace: 'roundhouse-system',
        group: 'coordination.k8s.io',
        resource: 'leases',
        verb: 'update',
      },
    };
    const answers = async (checks: Record<string, Record<string, string>>) =>
      Object.fromEntries(
        await Promise.all(
          Object.entries(checks).map(async ([name, check]) => [name, await allowed(check)]),
        ),
      );
    expect(await answers(grants)).toEqual(
      Object.fromEntries(Object.keys(grants).map((name) => [name, true])),
    );
    expect(await answers(refusals)).toEqual(
      Object.fromEntries(Object.keys(refusals).map((name) => [name, false])),
    );
  });

  it("stops at a field conflict on kubernaut's own CRD, and replaces it only when forced", async (ctx) => {
    if (typeof rendered === 'string') return ctx.skip(rendered);
    // The overlay's CRD under a group of this test's own: the control plane's kubernaut.ai CRD
    // serves other test files at the same time. The group is all that differs.
    const group = `overlay-${randomBytes(4).toString('hex')}.kubernaut.test`;
    const ours = structuredClone(find('CustomResourceDefinition')) as KubeObject & {
      spec: { group: string };
    };
    ours.metadata = { name: `workflowexecutions.${group}` };
    ours.spec.group = group;
    // kubernaut's chart's CRD, as Helm creates it: its failure reasons, no ExecutionResourceDeleted.
    const theirs = structuredClone(ours) as unknown as {
      spec: {
        versions: {
          schema: {
            openAPIV3Schema: {
              properties: {
                status: { properties: { failureDetails: { properties: { reason: object } } } };
              };
            };
          };
        }[];
      };
    };
    const reason = {
      type: 'string',
      enum: [
        'OOMKilled',
        'DeadlineExceeded',
        'Forbidden',
        'ResourceExhausted',
        'ConfigurationError',
        'ImagePullBackOff',
        'TaskFailed',
        'UnsupportedEngine',
        'Unknown',
        'Deduplicated',
      ],
    };
    (
      theirs.spec.versions[0] as (typeof theirs.spec.versions)[0]
    ).schema.openAPIV3Schema.properties.status.properties.failureDetails.properties.reason = reason;
    const name = ours.metadata.name as string;
    await new KubeClient(env.kubeConfig, { fieldManager: 'helm' }).create(
      resources.customResourceDefinitions,
      undefined,
      theirs as unknown as KubeObject,
    );
    try {
      // Helm's CRD lists no ExecutionResourceDeleted: the controller would write Unknown there.
      const helms = { unlistedFailureReasons: ['ExecutionResourceDeleted'] };
      await expect(checkWorkflowExecutionCrd(admin(), { apiGroup: group })).resolves.toEqual(helms);
      const kubectl = new KubeClient(env.kubeConfig, { fieldManager: 'kubectl' });
      const applied = (force: boolean) =>
        kubectl.patch(resources.customResourceDefinitions, undefined, name, ours, {
          strategy: 'apply',
          force,
        });
      await expect(applied(false)).rejects.toMatchObject({ reason: 'Conflict' });
      await expect(checkWorkflowExecutionCrd(admin(), { apiGroup: group })).resolves.toEqual(helms);
      await applied(true);
      await expect(checkWorkflowExecutionCrd(admin(), { apiGroup: group })).resolves.toEqual({
        unlistedFailureReasons: [],
      });
    } finally {
      await admin().delete(resources.customResourceDefinitions, undefined, name);
    }
  });
});
