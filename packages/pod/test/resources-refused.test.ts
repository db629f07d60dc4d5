import {
  ConfigurationError,
  executionResources,
  parseWorkflowExecution,
  type ResourceType,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, KubernetesApiError, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { allowedImages, withSteps } from './drive.js';

/**
 * Resources kube-apiserver refuses in a container (a 422), and ones it takes though no node may
 * have them, where no LimitRange adds anything (a Job's template is validated so): the job
 * engine's `executionResources` must say the same of an execution that parsed.
 */
const cases: readonly (readonly [string, object])[] = [
  ['an extended request without a limit', { requests: { 'nvidia.com/gpu': '1' } }],
  [
    'an extended request below its limit',
    { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '2' } },
  ],
  ['half a GPU', { limits: { 'nvidia.com/gpu': '500m' } }],
  ['hugepages alone', { limits: { 'hugepages-2Mi': '2Mi' } }],
  ['3Mi of 2Mi pages', { limits: { 'hugepages-2Mi': '3Mi', memory: '64Mi' } }],
  ['a page size that is no quantity', { limits: { 'hugepages-foo': '2Mi', memory: '64Mi' } }],
  ['foo', { requests: { foo: '1' } }],
  ['pods', { requests: { pods: '1' } }],
  ['requests.cpu', { requests: { 'requests.cpu': '1' } }],
  ['an extended name under requests.', { limits: { 'requests.example.com/gpu': '1' } }],
  ['a GPU limit alone', { limits: { 'nvidia.com/gpu': '1' } }],
  [
    'a GPU request equal to its limit',
    { requests: { 'nvidia.com/gpu': '1000m' }, limits: { 'nvidia.com/gpu': '1' } },
  ],
  ['whole pages beside memory', { limits: { 'hugepages-2Mi': '4Mi', memory: '64Mi' } }],
  ['half of a kubernetes.io/ resource', { requests: { 'kubernetes.io/x': '500m' } }],
  ['an exabyte of ephemeral storage', { requests: { 'ephemeral-storage': '1Ei' } }],
];

/** An execution of the pod engine whose workflowRef asks for `requested`, as it parses. */
function asking(name: string, requested: object): WorkflowExecution {
  const base = sampleExecution({ name, spec: { targetResource: `team-a/deployment/${name}` } });
  return withSteps(
    parseWorkflowExecution({
      ...base,
      spec: { ...base.spec, workflowRef: { ...base.spec.workflowRef, resources: requested } },
    }),
  );
}

/** Whether the job engine takes the resources (no engine limits): the Job is validated as built. */
function takenByJobEngine(requested: object): boolean {
  try {
    executionResources(asking('job', requested).spec.workflowRef.resources, undefined);
    return true;
  } catch (error) {
    if (error instanceof ConfigurationError) return false;
    throw error;
  }
}

const limitRanges: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  namespaced: true,
};

/** A namespace's defaults: a GPU limit, and the cpu and memory hugepages need beside them. */
const containerDefaults = {
  metadata: { name: 'defaults' },
  spec: {
    limits: [
      {
        type: 'Container',
        default: { cpu: '500m', memory: '128Mi', 'example.com/gpu': '1' },
        defaultRequest: { cpu: '100m', memory: '64Mi', 'example.com/gpu': '1' },
      },
    ],
  },
};

describeWithControlPlane("an execution's resources on a real API server", () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);

  /** Whether the API server stores a Pod whose one container has `requested`. */
  async function takenThere(name: string, requested: object): Promise<boolean> {
    const pod = {
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'run', image: 'registry.invalid/tool:1', resources: requested }],
      },
    };
    try {
      await client().create(resources.pods, env.namespace, pod as KubeObject);
      return true;
    } catch (error) {
      if (error instanceof KubernetesApiError && error.statusCode === 422) return false;
      throw error;
    }
  }

  it('refuses exactly the resources the API server refuses', async () => {
    const verdicts = await Promise.all(
      cases.map(async ([what, requested], i) => ({
        what,
        there: await takenThere(`resources-${i}`, requested),
        here: takenByJobEngine(requested),
      })),
    );
    expect(verdicts.filter((v) => v.there !== v.here)).toEqual([]);
    // Both verdicts occur: the cases are not all taken, nor all refused.
    expect(new Set(verdicts.map((v) => v.there))).toEqual(new Set([true, false]));
  });

  it('refuses a resource no container may ask for before the Pod is created', async () => {
    const wfe = asking('foo-request', { requests: { foo: '1' } });
    const ex = new PodExecutor(client(), { allowedImages });
    const refused = await ex.create(wfe, env.namespace).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).issues).toEqual([
      {
        path: 'spec.workflowRef.resources.requests.foo',
        message: expect.stringContaining('or for an extended resource by its domain'),
      },
    ]);
    expect(await ex.getStatus(wfe, env.namespace)).toBeNull();
  });

  it('leaves a GPU request without a limit to the API server: its 422, which fails the execution as a ConfigurationError', async () => {
    const wfe = asking('gpu-request', { requests: { 'nvidia.com/gpu': '1' } });
    const ex = new PodExecutor(client(), { allowedImages });
    const refused = await ex.create(wfe, env.namespace).catch((error: unknown) => error);
    // The controller fails an execution whose create met a 422 as a ConfigurationError
    // (workflowexecution's classifyStartError): the Pod as built can never be created.
    expect(refused).toBeInstanceOf(KubernetesApiError);
    expect(refused).toMatchObject({ statusCode: 422, retryable: false });
    expect(String(refused)).toContain('Limit must be set for non overcommitable resources');
    expect(await ex.getStatus(wfe, env.namespace)).toBeNull();
  });
});

describeWithControlPlane("an execution's resources in a namespace with a LimitRange", () => {
  const env = useTestNamespace({ prefix: 'resources-limitrange' });
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    await client().create(limitRanges, env.namespace, containerDefaults as KubeObject);
  });

  it("creates the Pod whose missing limit or cpu and memory the namespace's defaults supply", async () => {
    const ex = new PodExecutor(client(), { allowedImages });
    for (const [name, requested] of [
      ['gpu-request', { requests: { 'example.com/gpu': '1' } }],
      ['hugepages-alone', { limits: { 'hugepages-2Mi': '2Mi' } }],
    ] as const) {
      const wfe = asking(name, requested);
      await ex.create(wfe, env.namespace);
      expect(await ex.getStatus(wfe, env.namespace)).not.toBeNull();
    }
  });

  it('the job engine keeps the rules: the API server gives a Job no LimitRange defaults', async () => {
    const requested = { requests: { 'example.com/gpu': '1' } };
    expect(takenByJobEngine(requested)).toBe(false);
    const job = {
      metadata: { name: 'gpu-request' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'run', image: 'registry.invalid/tool:1', resources: requested }],
          },
        },
      },
    };
    const refused = await client()
      .create(resources.jobs, env.namespace, job as KubeObject)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KubernetesApiError);
    expect((refused as KubernetesApiError).statusCode).toBe(422);
  });
});
