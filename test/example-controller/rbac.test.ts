import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Registry, type ResourceType } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { PodExecutor } from '@roundhouse/pod';
import { TektonExecutor } from '@roundhouse/tekton';
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
  patience,
  type RunningController,
  startController,
  waitForPhase,
} from '../workflowexecution/harness.js';
import { ServerSideApply } from './server-side-apply.js';

const executionNamespace = 'roundhouse-workflows';

const selfSubjectAccessReviews: ResourceType = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  namespaced: false,
};

const customRuns: ResourceType = {
  group: 'tekton.dev',
  version: 'v1beta1',
  kind: 'CustomRun',
  plural: 'customruns',
  namespaced: true,
};

/** The kube client methods the tekton engine calls, by the RBAC verb each request needs. */
const verbs: Record<string, string> = {
  get: 'get',
  list: 'list',
  watch: 'watch',
  create: 'create',
  delete: 'delete',
  deleteAnswered: 'delete',
  patch: 'patch',
  replace: 'update',
};

/**
 * Every `group/resource verb` the tekton engine requests in the execution namespace while it
 * creates a run, reads it while a ResourceQuota refuses its next CustomRun or child PipelineRun
 * (Tekton says so only in an Event), cancels it, reads it finished and cleans it up; and the
 * list and watch of its own and its declared reads' kinds a controller's cache makes. Sent to
 * an in-memory API server that records them, as a unit test's would; the real one then judges
 * them under the shipped Role.
 */
async function tektonEngineRequests(): Promise<Set<string>> {
  const requests = new Set<string>();
  const record = (type: ResourceType, verb: string) =>
    requests.add(`${type.group}/${type.plural} ${verb}`);
  // Created a minute ago, as a run Tekton has had time to start.
  const memory = new MemoryKubeClient({ now: () => new Date(Date.now() - 60_000) });
  const client = new Proxy(memory, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const verb = typeof property === 'string' ? verbs[property] : undefined;
      if (verb === undefined) return value.bind(target);
      return (type: ResourceType, ...rest: unknown[]) => {
        record(type, verb);
        if (verb !== 'patch') return value.apply(target, [type, ...rest]);
        // The memory client takes no patch: merge the cancel's spec, as the API server does.
        const [namespace, name, body] = rest as [string, string, { spec?: object }];
        const stored = target.object<KubeObject & { spec?: object }>(type, namespace, name);
        return target.put(type, namespace, {
          ...stored,
          spec: { ...stored?.spec, ...body.spec },
        });
      };
    },
  });
  const executor = new TektonExecutor(client, { startupGraceMs: 0 });
  const ns = executionNamespace;
  const wfe = sampleExecution({});
  const { resourceName: run } = await executor.create(wfe, ns);
  const uid = memory.object(resources.pipelineRuns, ns, run)?.metadata?.uid;
  memory.setStatus(resources.pipelineRuns, ns, run, {
    conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
    startTime: new Date(Date.now() - 60_000).toISOString(),
  });
  // Tekton's Event for a child a ResourceQuota refused (pipelinerun.go, v1.15).
  for (const [reason, plural] of [
    ['RunsCreationFailed', 'customruns'],
    ['ChildPipelineRunsCreationFailed', 'pipelineruns'],
  ]) {
    const refused = `${run}-approve`;
    const event = memory.put(resources.events, ns, {
      metadata: { name: `${refused}.${plural}` },
      involvedObject: { kind: 'PipelineRun', uid },
      type: 'Warning',
      reason,
      message: `Failed to create ["${refused}"]: ${plural}.tekton.dev "${refused}" is forbidden: exceeded quota: q, requested: count/${plural}.tekton.dev=1, used: count/${plural}.tekton.dev=1, limited: count/${plural}.tekton.dev=1`,
    });
    expect(await executor.getStatus(wfe, ns), plural).toMatchObject({
      phase: 'Failed',
      failureReason: 'ResourceExhausted',
    });
    await memory.delete(resources.events, ns, event.metadata?.name ?? '');
  }
  expect(await executor.cancel(wfe, ns, { graceful: 'cancel' })).toBe(true);
  memory.setStatus(resources.pipelineRuns, ns, run, {
    conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
    startTime: new Date(Date.now() - 60_000).toISOString(),
    completionTime: new Date().toISOString(),
    childReferences: [{ kind: 'CustomRun', name: `${run}-approve`, pipelineTaskName: 'approve' }],
  });
  memory.put(customRuns, ns, {
    metadata: { name: `${run}-approve` },
    status: { conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }] },
  });
  expect((await executor.getStatus(wfe, ns))?.phase).toBe('Completed');
  await executor.cleanup(wfe, ns);
  for (const type of [resources.pipelineRuns, ...(executor.reads ?? []).map((r) => r.resource)]) {
    record(type, 'list');
    record(type, 'watch');
  }
  return requests;
}

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
    await vi.waitFor(async () => {
      const pod = await admin().get(resources.pods, 'roundhouse-workflows', podName);
      expect(pod).not.toBeNull();
      expect(pod?.metadata?.finalizers ?? []).toEqual([]);
    }, patience);
    await admin().delete(workflowExecutions, env.namespace, wfe.metadata.name);
    await vi.waitFor(
      async () =>
        expect(await admin().get(resources.pods, 'roundhouse-workflows', podName)).toBeNull(),
      patience,
    );
  }, 300_000);

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

  it("grants every request the tekton engine sends, a quota-refused CustomRun's list among them", async () => {
    const requests = await tektonEngineRequests();
    expect(requests).toContain('tekton.dev/customruns list');
    const identity = await env.userKubeConfig(
      'system:serviceaccount:roundhouse-system:roundhouse-controller',
      ['system:serviceaccounts', 'system:serviceaccounts:roundhouse-system'],
    );
    const client = new KubeClient(identity);
    const refused: string[] = [];
    for (const request of requests) {
      const [resource, verb] = request.split(' ') as [string, string];
      const [group, plural] = resource.split('/') as [string, string];
      const { object } = await client.create<KubeObject & { status?: { allowed?: boolean } }>(
        selfSubjectAccessReviews,
        undefined,
        {
          spec: {
            resourceAttributes: { namespace: executionNamespace, group, resource: plural, verb },
          },
        },
      );
      if (!object.status?.allowed) refused.push(request);
    }
    expect(refused).toEqual([]);
  });

  it('may read its own CRD, which it checks at start, and no other', async () => {
    const identity = await env.userKubeConfig(
      'system:serviceaccount:roundhouse-system:roundhouse-controller',
      ['system:serviceaccounts'],
    );
    const client = new KubeClient(identity);
    const allowed = async (name: string) => {
      const { object } = await client.create<KubeObject & { status?: { allowed?: boolean } }>(
        selfSubjectAccessReviews,
        undefined,
        {
          spec: {
            resourceAttributes: {
              group: 'apiextensions.k8s.io',
              resource: 'customresourcedefinitions',
              verb: 'get',
              name,
            },
          },
        },
      );
      return object.status?.allowed === true;
    };
    expect(await allowed('workflowexecutions.roundhouse.dev')).toBe(true);
    expect(await allowed('pipelineruns.tekton.dev')).toBe(false);
    expect(await allowed('')).toBe(false);
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
