import {
  ConfigurationError,
  executionResources,
  ResourceRequirementsSchema,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, KubernetesApiError, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';
import { allowedImages, withSteps } from './drive.js';

/**
 * Resources kube-apiserver refuses in a container (a 422), and ones it takes though no node may
 * have them: the execution's schema and `executionResources` must say the same.
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

/** Whether the execution's resources pass the schema and `executionResources` (no engine limits). */
function takenHere(requested: object): boolean {
  const parsed = ResourceRequirementsSchema.safeParse(requested);
  if (!parsed.success) return false;
  try {
    executionResources(parsed.data, undefined);
    return true;
  } catch (error) {
    if (error instanceof ConfigurationError) return false;
    throw error;
  }
}

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
        here: takenHere(requested),
      })),
    );
    expect(verdicts.filter((v) => v.there !== v.here)).toEqual([]);
    // Both verdicts occur: the cases are not all taken, nor all refused.
    expect(new Set(verdicts.map((v) => v.there))).toEqual(new Set([true, false]));
  });

  it('refuses an extended request without a limit before the Pod is created', async () => {
    const base = sampleExecution({
      name: 'gpu-request',
      spec: { targetResource: 'team-a/deployment/gpu-request' },
    });
    const wfe: WorkflowExecution = withSteps({
      ...base,
      spec: {
        ...base.spec,
        workflowRef: {
          ...base.spec.workflowRef,
          resources: { requests: { 'nvidia.com/gpu': '1' } },
        },
      },
    });
    const ex = new PodExecutor(client(), { allowedImages });
    const refused = await ex.create(wfe, env.namespace).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).issues).toEqual([
      {
        path: 'spec.workflowRef.resources.requests.nvidia.com/gpu',
        message: expect.stringContaining('set limits.nvidia.com/gpu to 1'),
      },
    ]);
    expect(await ex.getStatus(wfe, env.namespace)).toBeNull();
  });
});
