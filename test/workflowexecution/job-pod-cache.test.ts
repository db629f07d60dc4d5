import { InformerCache } from '@roundhouse/controller';
import { Registry, roundhouseConventions } from '@roundhouse/core';
import { JobExecutor, jobPodsFieldSelector, jobPodsSelector } from '@roundhouse/job';
import { KubeClient, type KubeObject, type ListOptions, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import {
  createWorkflowExecutionController,
  ensureWorkflowExecutionCrd,
} from '@roundhouse/workflowexecution';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { apply, jobsOf, manifest, patience, waitForPhase } from './harness.js';

/** A pod list of one Job's pods, as the job engine's status check asks for them. */
const jobPodList = ([type, , options]: unknown[]) =>
  type === resources.pods &&
  ((options as ListOptions | undefined)?.labelSelector ?? '').includes(
    'batch.kubernetes.io/controller-uid=',
  );

describeWithControlPlane('the job engine reads its pods from the controller’s cache', () => {
  const env = useTestNamespace({ prefix: 'wfe-podcache' });
  let executionNamespace: string;
  let stop: (() => Promise<void>) | undefined;
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('wfe-podcache-exec');
    await ensureWorkflowExecutionCrd(client());
  });

  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  /**
   * A controller whose Jobs' pods never schedule (no node matches), so each stays Pending with
   * no ready pod and every status check past the (zero) startup grace reads the Job's pods.
   * `live` is the one client behind the cache and the executor, so it sees every request.
   */
  async function start() {
    const live = new KubeClient(env.kubeConfig);
    const cache = new InformerCache(env.kubeConfig, { client: live });
    const executor = new JobExecutor(live, {
      reader: cache,
      startupGraceMs: 0,
      pod: { nodeSelector: { 'roundhouse.dev/test-node': 'none' } },
    });
    const { controller } = await createWorkflowExecutionController({
      kubeConfig: env.kubeConfig,
      registry: new Registry().register(executor),
      cache,
      client: live,
      watchNamespace: env.namespace,
      executionNamespace,
      policy: { bundles: ['registry.invalid/*'] },
      // Status checks come from the resync: a pending pod changes nothing on its Job.
      resyncMs: 1_000,
      workers: 2,
    });
    const abort = new AbortController();
    const running = controller.start(abort.signal);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    stop = async () => {
      abort.abort();
      await running;
    };
    return { cache, liveList: vi.spyOn(live, 'list'), cachedList: vi.spyOn(cache, 'list') };
  }

  async function podOf(jobName: string): Promise<KubeObject> {
    return vi.waitFor(async () => {
      const { items } = await client().list(resources.pods, executionNamespace, {
        labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
      });
      expect(items).toHaveLength(1);
      return items[0] as KubeObject;
    }, patience);
  }

  /**
   * Once an execution created now runs, writes `status` on its Job's pod as the kubelet would;
   * returns the execution's name.
   */
  async function runningWithPodStatus(status: Record<string, unknown>): Promise<string> {
    const wfe = await apply(client(), env.namespace, manifest());
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    const pod = await podOf(running.status?.executionRef?.name as string);
    await client().patch(
      resources.pods,
      executionNamespace,
      pod.metadata?.name as string,
      { status },
      { subresource: 'status', strategy: 'merge' },
    );
    return wfe.metadata.name;
  }

  it('checks a Job past its grace whose pod is merely pending without a request', async () => {
    const { liveList, cachedList } = await start();
    const wfe = await apply(client(), env.namespace, manifest());
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    await podOf(running.status?.executionRef?.name as string);
    await vi.waitFor(
      () => expect(cachedList.mock.calls.filter(jobPodList).length).toBeGreaterThanOrEqual(3),
      patience,
    );
    expect(liveList.mock.calls.filter(jobPodList)).toEqual([]);
    // Its pod has not started and need not: it is still Running, not failed for a stuck start.
    await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
  });

  it('drops a pod from the cache once it runs, and checks its Job without a request', async () => {
    const { cache, liveList, cachedList } = await start();
    const wfe = await apply(client(), env.namespace, manifest());
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    const pod = await podOf(running.status?.executionRef?.name as string);
    const name = pod.metadata?.name as string;
    const cached = async () =>
      (
        await cache.list(resources.pods, executionNamespace, {
          labelSelector: jobPodsSelector(roundhouseConventions),
          fieldSelector: jobPodsFieldSelector,
        })
      ).items.map((p) => p.metadata?.name);
    await vi.waitFor(async () => expect(await cached()).toContain(name), patience);
    // From here on the controller's Job counts its pod (the Job controller may write that late
    // on a busy machine); before that, reading Events to find out why it has none is right.
    const jobName = running.status?.executionRef?.name as string;
    await vi.waitFor(async () => {
      const job = await cache.get<KubeObject & { status?: { active?: number } }>(
        resources.jobs,
        executionNamespace,
        jobName,
      );
      expect(job?.status?.active).toBe(1);
    }, patience);
    liveList.mockClear();
    // Started but not ready yet, as a kubelet reports a container before its readiness.
    await client().patch(
      resources.pods,
      executionNamespace,
      name,
      { status: { phase: 'Running' } },
      { subresource: 'status', strategy: 'merge' },
    );
    await vi.waitFor(async () => expect(await cached()).not.toContain(name), patience);
    const checks = cachedList.mock.calls.filter(jobPodList).length;
    await vi.waitFor(
      () => expect(cachedList.mock.calls.filter(jobPodList).length).toBeGreaterThan(checks + 2),
      patience,
    );
    // The Job counts the pod active, so no Event is read to find out why it has none.
    const live = liveList.mock.calls.filter(
      ([type]) => type === resources.pods || type === resources.events,
    );
    expect(live).toEqual([]);
    await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
  });

  it('still fails a start that cannot succeed, seen through the cache', async () => {
    const { liveList } = await start();
    // What the kubelet reports for an image it cannot pull.
    const name = await runningWithPodStatus({
      containerStatuses: [
        {
          name: 'workflow',
          image: 'registry.invalid/restart:1',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } },
        },
      ],
    });
    const failed = await waitForPhase(client(), env.namespace, name, 'Failed');
    expect(failed.status?.failureDetails?.reason).toBe('ImagePullBackOff');
    expect(failed.status?.failureDetails?.message).toContain(
      'cannot start: ImagePullBackOff: Back-off pulling image',
    );
    // The cache gave the verdict; one live read confirmed it before the Job was removed.
    expect(liveList.mock.calls.filter(jobPodList)).toHaveLength(1);
    await vi.waitFor(
      async () => expect(await jobsOf(client(), executionNamespace, name)).toEqual([]),
      patience,
    );
  });

  it('counts no execution failure when the kubelet refused the pod before its container started', async () => {
    await start();
    // What the kubelet writes when it refuses a pod at admission: no container status at all.
    const name = await runningWithPodStatus({
      phase: 'Failed',
      reason: 'OutOfcpu',
      message: "Pod was rejected: Node didn't have enough resource: cpu",
    });
    // The real Job controller counts the failed pod and fails the Job past its backoff limit.
    const failed = await waitForPhase(client(), env.namespace, name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Unknown',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain(
      "OutOfcpu: Pod was rejected: Node didn't have enough resource: cpu",
    );
  });

  it('says why no node took a pod when the Job passes its deadline before the pod ever started', async () => {
    await start();
    const wfe = await apply(client(), env.namespace, manifest({ timeout: '3s' }));
    // No node matches the pod's selector: the scheduler says so only in a FailedScheduling event.
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.reason).toBe('DeadlineExceeded');
    expect(failed.status?.failureDetails?.message).toMatch(
      /^Job was active longer than specified deadline; pod \S+: FailedScheduling: 0\/\d+ nodes are available: /,
    );
  });
});
