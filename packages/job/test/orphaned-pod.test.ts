/**
 * h374 F2: a Job deleted with `propagationPolicy: Orphan` (`kubectl delete job
 * --cascade=orphan`) leaves its pod running, owned by nothing. Cleanup deletes that pod and holds
 * the lock (a retryable CleanupPendingError) until it is gone, and leaves a successor's pod of
 * the same Job name alone.
 */
import { CleanupPendingError, type WorkflowExecution } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { jobPods, patience } from './drive.js';

const execution = (uid: string): WorkflowExecution => ({
  metadata: { name: 'orphaning', namespace: 'team-a', uid },
  spec: {
    workflowRef: {
      workflowId: 'restart',
      version: '1',
      executionBundle: 'registry.invalid/restart:1',
    },
    targetResource: 'team-a/deployment/orphaned',
    executionEngine: 'job',
  },
});

type Pod = KubeObject & { status?: { phase?: string } };

describeWithControlPlane('JobExecutor cleanup of pods its deleted Job orphaned', () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);

  /** The one running pod of the Job `job` whose ownerReferences satisfy `owned`. */
  const runningPod = (job: string, owned: (pod: Pod) => boolean) =>
    vi.waitFor(async () => {
      const pods = (await jobPods(client(), env.namespace, job)) as Pod[];
      const [pod] = pods.filter(owned);
      expect(pod?.status?.phase).toBe('Running');
      return pod as Pod;
    }, patience);
  const hasController = (pod: Pod) =>
    pod.metadata?.ownerReferences?.some((r) => r.controller === true) === true;

  it("deletes the orphaned pod, holds cleanup until it is gone, and spares a successor's", async () => {
    const ex = new JobExecutor(client(), { podAnnotations: { [podControls.runSeconds]: '600' } });
    const first = execution('uid-first');
    const { resourceName } = await ex.create(first, env.namespace);
    await runningPod(resourceName, hasController);
    await client().delete(resources.jobs, env.namespace, resourceName, {
      propagationPolicy: 'Orphan',
    });
    // The garbage collector takes the Job's ownerReference off the pod; the pod runs on.
    const orphan = await runningPod(resourceName, (pod) => !hasController(pod));
    await vi.waitFor(async () => {
      expect(await client().get(resources.jobs, env.namespace, resourceName)).toBeNull();
    }, patience);
    // A successor on the same target, under the same name: its Job takes the lock's name.
    const successor = execution('uid-successor');
    await ex.create(successor, env.namespace);
    const successorPod = await runningPod(resourceName, hasController);
    const withRef = { ...first, status: { executionRef: { name: resourceName } } };

    await expect(ex.cleanup(withRef, env.namespace)).rejects.toBeInstanceOf(CleanupPendingError);
    await vi.waitFor(async () => {
      await ex.cleanup(withRef, env.namespace);
    }, patience);

    const left = (await jobPods(client(), env.namespace, resourceName)).map((p) => p.metadata?.uid);
    expect(left).not.toContain(orphan.metadata?.uid);
    expect(left).toContain(successorPod.metadata?.uid);
    const job = await client().get(resources.jobs, env.namespace, resourceName);
    expect(job?.metadata?.deletionTimestamp).toBeUndefined();
  });
});
