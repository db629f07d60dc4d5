/**
 * Past 350 lines: DistExec's Job mode on one control plane with its fake nodes; a split would
 * start another plane and register the nodes again.
 */
import { executionResourceName } from '@roundhouse/core';
import {
  type Created,
  isKubernetesError,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  kubernetesErrorFromResponse,
  type ListOptions,
  type RequestOptions,
  type ResourceOf,
  type ResourceType,
  resources,
  type WatchEvent,
  type WatchOptions,
  type WatchOutcome,
} from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createJobModeController } from '../src/jobs/job-controller.js';
import { nodeTarget } from '../src/jobs/node-job.js';
import { distExecs, nodes } from '../src/resource.js';
import { jobModeIdentity, patience, World } from './harness.js';

/** The execution namespace deploy/job-mode.yaml grants the controller. */
const executionNamespace = 'roundhouse-distexec-jobs';

type Pod = KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string } };

/**
 * A client that counts the DistExecs it reads from the API server, and the lists of one Job's
 * pods (the informers' own lists select every Job's); `breakJobWatch` cuts its Job watch, as
 * a network outage does, until `mendJobWatch`.
 */
class ReadCountingClient extends KubeClient {
  distExecReads = 0;
  jobPodLists = 0;
  /** Per DistExec: its reads from the API server. */
  readonly distExecReadsOf = new Map<string, number>();
  /** Jobs whose creates are carried out but answered with a 504, as a lost answer is. */
  readonly answerLost = new Set<string>();
  /** Jobs whose deletion the controller's Job watch has delivered. */
  readonly jobsSeenGone = new Set<string>();
  /** Aborted when the Job watch breaks; replaced when it mends. */
  #jobWatch = new AbortController();

  /**
   * From now on the open Job watch ends, and every Job watch and list fails, as after an
   * outage too long for the watch to resume: the informer relists once it mends.
   */
  breakJobWatch(): void {
    this.#jobWatch.abort();
  }

  mendJobWatch(): void {
    this.#jobWatch = new AbortController();
  }

  override async watch<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    onEvent: (event: WatchEvent<T>) => void,
    options: WatchOptions,
  ): Promise<WatchOutcome> {
    if (type !== resources.jobs) return super.watch(type, namespace, onEvent, options);
    const broken = this.#jobWatch.signal;
    const gone = new KubernetesApiError('Gone', 'too old resource version', 410);
    if (broken.aborted) return { end: 'failed', error: gone };
    const signal = options.signal ? AbortSignal.any([options.signal, broken]) : broken;
    const seen = (event: WatchEvent<T>) => {
      if (event.type === 'DELETED') this.jobsSeenGone.add(event.object.metadata?.name ?? '');
      onEvent(event);
    };
    const outcome = await super.watch(type, namespace, seen, { ...options, signal });
    return broken.aborted && !options.signal?.aborted ? { end: 'failed', error: gone } : outcome;
  }

  override list<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    options?: ListOptions,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    if (type === resources.pods && options?.labelSelector?.includes('controller-uid')) {
      this.jobPodLists += 1;
    }
    if (type === resources.jobs && this.#jobWatch.signal.aborted) {
      return Promise.reject(new KubernetesApiError('Unavailable', 'connection refused', 503));
    }
    return super.list<T>(type, namespace, options);
  }

  override get<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options?: RequestOptions,
  ): Promise<T | null> {
    if (type === distExecs) {
      this.distExecReads += 1;
      this.distExecReadsOf.set(name, (this.distExecReadsOf.get(name) ?? 0) + 1);
    }
    return super.get<T>(type, namespace, name, options);
  }

  override async create<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    body: T,
    options?: Parameters<KubeClient['create']>[3],
  ): Promise<Created<T>> {
    const name = body.metadata?.name;
    if (type !== resources.jobs || name === undefined || !this.answerLost.has(name)) {
      return super.create(type, namespace, body, options);
    }
    // Carried out (or already done by an earlier create), its answer lost all the same.
    await super.create(type, namespace, body, options).catch(() => undefined);
    throw kubernetesErrorFromResponse(504, { reason: 'Timeout' }, `create Job ${name}`);
  }
}

/** Runs the job-mode controller in this process, as its ServiceAccount. */
async function startController(
  world: World,
  {
    podAnnotations,
    image = 'registry.invalid/busybox:1',
    allowedImages = ['registry.invalid/*'],
    maxJobsPerNamespace,
  }: {
    podAnnotations?: Record<string, string>;
    image?: string;
    allowedImages?: string[];
    maxJobsPerNamespace?: number;
  } = {},
) {
  const kubeConfig = await jobModeIdentity(world.admin, world.env);
  const client = new ReadCountingClient(kubeConfig);
  const controller = createJobModeController({
    kubeConfig,
    client,
    executionNamespace,
    image,
    allowedImages,
    watchNamespace: world.env.namespace,
    resyncMs: 1_000,
    maxJobsPerNamespace,
    job: {
      pod: { tolerations: [world.testNodeToleration] },
      ...(podAnnotations ? { podAnnotations } : {}),
    },
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
  return {
    controller,
    client,
    async stop() {
      abort.abort();
      await running;
    },
  };
}

/** The pods of the Job that runs `attempt` of generation `generation` on `node`. */
async function podsOf(
  world: World,
  name: string,
  node: string,
  generation: number,
  attempt: number,
) {
  const job = executionResourceName(
    nodeTarget(world.env.namespace, name, node, generation, attempt),
  );
  const { items } = await world.admin.list<Pod>(resources.pods, executionNamespace, {
    labelSelector: `batch.kubernetes.io/job-name=${job}`,
  });
  return items;
}

/** Ends the running pod of an attempt as its container exiting with `exitCode` would. */
function podEnder(world: World) {
  return async (name: string, node: string, attempt: number, exitCode: number, message: string) => {
    const pod = await vi.waitFor(async () => {
      const [found] = await podsOf(world, name, node, 1, attempt);
      expect(found?.status?.phase).toBe('Running');
      return found as Pod;
    }, patience);
    const now = new Date().toISOString();
    const terminated = {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      message,
      startedAt: now,
      finishedAt: now,
    };
    await world.admin.patch(
      resources.pods,
      executionNamespace,
      pod.metadata?.name as string,
      {
        status: {
          phase: exitCode === 0 ? 'Succeeded' : 'Failed',
          containerStatuses: [
            {
              name: 'workflow',
              image: 'registry.invalid/busybox:1',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { terminated },
            },
          ],
        },
      },
      { subresource: 'status', strategy: 'merge' },
    );
  };
}

describeWithControlPlane('the Job-per-node mode on KWOK nodes', () => {
  const env = useTestNamespace({ prefix: 'dx-jobs' });
  const world = new World(env);
  const nodeNames: string[] = [];
  let running: Awaited<ReturnType<typeof startController>> | undefined;

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b']) nodeNames.push(await world.createNode(suffix));
    running = await startController(world);
  });

  afterAll(async () => {
    await running?.stop();
    await world.tearDown();
  });

  it('runs one Job per selected node, pinned to it, and records each as it completes', async () => {
    await world.createDistExec('hello', { command: 'echo hello' });
    const { results } = await world.waitForResults('hello', (_, summary, object) => {
      expect(summary).toEqual({ nodes: 2, succeeded: 2, failed: 0, pending: 0 });
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    // Decided from the cache, which holds the controller's own writes as they are answered.
    expect(running?.client.distExecReads).toBe(0);
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({
        phase: 'Succeeded',
        reason: 'Completed',
        exitCode: 0,
        attempts: 1,
        observedGeneration: 1,
      });
      // Kept until the DistExec no longer needs it: no TTL can take it before its result is read.
      const job = await world.admin.get<KubeObject & { spec?: Record<string, unknown> }>(
        resources.jobs,
        executionNamespace,
        executionResourceName(nodeTarget(world.env.namespace, 'hello', node, 1, 1)),
      );
      expect(job?.spec).not.toHaveProperty('ttlSecondsAfterFinished');
      // No timeoutSeconds: the controller's default deadline, so no pod stays on a node for ever.
      expect(job?.spec?.activeDeadlineSeconds).toBe(3600);
      // Placed by the scheduler, tolerating only what the operator listed.
      const [pod] = await podsOf(world, 'hello', node, 1, 1);
      expect(pod?.spec?.nodeName).toBe(node);
      expect(pod?.spec).toMatchObject({
        containers: [{ command: ['echo', 'hello'] }],
        tolerations: expect.arrayContaining([world.testNodeToleration]),
      });
      expect(pod?.spec).not.toMatchObject({ tolerations: [{ operator: 'Exists' }] });
    }
  });

  it("shows a Job a quota refuses on the node's entry, with the server's answer, and runs it once room frees", async () => {
    const quota = 'no-jobs-left';
    // Enforced before the DistExec exists: a quota the API server's admission has not seen yet
    // lets the first Job through on a loaded control plane.
    await env.controlPlane.createEnforcedQuota(executionNamespace, quota, {
      'count/jobs.batch': '0',
    });
    try {
      await world.createDistExec('squeezed', { command: 'echo squeezed' });
      const { results } = await world.waitForResults('squeezed', (results, summary, object) => {
        for (const node of nodeNames) expect(results[node]?.reason).toBe('JobRefused');
        expect(summary).toMatchObject({ nodes: 2, pending: 2 });
        expect(object?.metadata?.finalizers?.length).toBe(1);
      });
      for (const node of nodeNames) {
        expect(results[node]).toMatchObject({ phase: 'Running', attempts: 1 });
        expect(results[node]?.message).toContain(quota);
      }
    } finally {
      await world.admin.delete(resources.resourceQuotas, executionNamespace, quota);
    }
    const { results } = await world.waitForResults('squeezed', (_, summary) => {
      expect(summary).toEqual({ nodes: 2, succeeded: 2, failed: 0, pending: 0 });
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ reason: 'Completed', attempts: 1 });
    }
  });

  it('ends an attempt whose pod a pod quota kept out PodRefused, quoting the refusal, not Timeout', async () => {
    const quota = 'no-pods-left';
    await world.admin.create(resources.resourceQuotas, executionNamespace, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: quota, namespace: executionNamespace },
      spec: { hard: { pods: '0' } },
    });
    // Until the quota controller has counted its usage, admission refuses pods as "status
    // unknown", which the Job controller retries as passing: the refusal to quote comes after.
    await vi.waitFor(async () => {
      const counted = await world.admin.get<KubeObject & { status?: { hard?: object } }>(
        resources.resourceQuotas,
        executionNamespace,
        quota,
      );
      expect(counted?.status?.hard).toBeDefined();
    }, patience);
    try {
      await world.createDistExec('podless', { command: 'echo podless', timeoutSeconds: 3 });
      const { results } = await world.waitForResults('podless', (results) => {
        for (const node of nodeNames) expect(results[node]?.phase).toBe('Failed');
      });
      for (const node of nodeNames) {
        expect(results[node]).toMatchObject({ reason: 'PodRefused', attempts: 1 });
        expect(results[node]?.message).toContain(`exceeded quota: ${quota}, resources: pods`);
        // The execution namespace's usage counts every tenant's pods: not quoted.
        expect(results[node]?.message).not.toContain('used:');
      }
    } finally {
      await world.admin.delete(resources.resourceQuotas, executionNamespace, quota);
    }
  });

  it('the API server refuses a spec.image the job engine could not pull, naming the field', async () => {
    const refused = await world
      .createDistExec('upper', { shell: 'ls', image: 'Busybox:1.37' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isKubernetesError(refused, 'Invalid')).toBe(true);
    expect(String(refused)).toMatch(/spec\.image/);
  });

  /** Creates a DistExec its spec dooms, and checks every node refused it without a Job. */
  async function expectRefusedEverywhere(name: string, spec: Record<string, unknown>) {
    await world.createDistExec(name, spec);
    const { results } = await world.waitForResults(name, (_, summary, object) => {
      expect(summary).toEqual({ nodes: 2, succeeded: 0, failed: 2, pending: 0 });
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ phase: 'Failed', reason: 'InvalidSpec', attempts: 0 });
      const job = executionResourceName(nodeTarget(env.namespace, name, node, 1, 1));
      expect(await world.admin.get(resources.jobs, executionNamespace, job)).toBeNull();
    }
    return nodeNames.map((node) => results[node]?.message);
  }

  it('refuses a timeoutSeconds longer than the controller allows on every node, creating no Job', async () => {
    const messages = await expectRefusedEverywhere('forever', {
      command: 'sleep 1',
      timeoutSeconds: 86_401,
    });
    for (const message of messages) {
      expect(message).toMatch(/^spec\.timeoutSeconds: 86401 is longer than the 86400/);
    }
  });

  it('refuses a spec.image --allowed-images does not allow on every node, creating no Job', async () => {
    const messages = await expectRefusedEverywhere('elsewhere', {
      command: 'ls',
      image: 'registry.example.com/tools/busybox:1.37',
    });
    for (const message of messages) {
      expect(message).toBe(
        'spec.image: image "registry.example.com/tools/busybox:1.37" is not among the images this controller runs (registry.invalid/*); use an allowed image, or ask the operator to add it to --allowed-images',
      );
    }
  });

  it('runs on a node that joins, and again everywhere after a spec change', async () => {
    await world.createDistExec('grow', { shell: 'echo first' });
    await world.waitForResults('grow', (_, summary) => expect(summary?.succeeded).toBe(2));
    const joined = await world.createNode('joined');
    nodeNames.push(joined);
    await world.waitForResults('grow', (results, summary) => {
      expect(results[joined]?.phase).toBe('Succeeded');
      expect(summary).toEqual({ nodes: 3, succeeded: 3, failed: 0, pending: 0 });
    });
    await world.admin.patch(
      distExecs,
      env.namespace,
      'grow',
      { spec: { shell: 'echo second' } },
      { strategy: 'merge' },
    );
    await world.waitForResults('grow', (results, summary) => {
      for (const node of nodeNames) expect(results[node]?.observedGeneration).toBe(2);
      expect(summary?.succeeded).toBe(3);
    });
    for (const node of nodeNames) {
      const [pod] = await podsOf(world, 'grow', node, 2, 1);
      expect(pod?.spec).toMatchObject({
        nodeName: node,
        containers: [{ command: ['/bin/sh', '-c', 'echo second'] }],
      });
    }
  });
  it('starts no Job on a node whose taint is not tolerated, nor on a cordoned one until uncordoned', async () => {
    const tainted = await world.createNode(
      'gpu',
      {},
      {
        taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      },
    );
    const cordoned = await world.createNode('cordoned', {}, { unschedulable: true });
    await world.createDistExec('special', { command: 'echo special' });
    await world.waitForResults('special', (results, summary) => {
      expect(Object.keys(results).sort()).toEqual([...nodeNames].sort());
      expect(summary).toEqual({
        nodes: nodeNames.length,
        succeeded: nodeNames.length,
        failed: 0,
        pending: 0,
      });
    });
    for (const node of [tainted, cordoned])
      expect(await podsOf(world, 'special', node, 1, 1)).toEqual([]);
    await world.admin.patch(
      nodes,
      undefined,
      cordoned,
      { spec: { unschedulable: false } },
      {
        strategy: 'merge',
      },
    );
    await world.waitForResults('special', (results, summary) => {
      expect(results[cordoned]?.phase).toBe('Succeeded');
      expect(summary?.nodes).toBe(nodeNames.length + 1);
    });
    expect(await podsOf(world, 'special', tainted, 1, 1)).toEqual([]);
  });
});

describeWithControlPlane('the Job-per-node mode with pods the test ends', () => {
  const env = useTestNamespace({ prefix: 'dx-jobs-held' });
  const world = new World(env);
  const nodeNames: string[] = [];
  let running: Awaited<ReturnType<typeof startController>> | undefined;

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b']) nodeNames.push(await world.createNode(suffix));
    // Pods run until the test plays the kubelet and ends them.
    running = await startController(world, { podAnnotations: { [podControls.runSeconds]: '600' } });
  });

  afterAll(async () => {
    await running?.stop();
    await world.tearDown();
  });

  const endPod = podEnder(world);

  it('records a failed Job with its exit code and last output, after exactly retries + 1 Jobs', async () => {
    await world.createDistExec('flaky', { command: 'false', retries: 1 });
    const [failing, passing] = nodeNames as [string, string];
    await endPod('flaky', passing, 1, 0, '');
    await endPod('flaky', failing, 1, 3, 'first try');
    await world.waitForResults('flaky', (results) => {
      expect(results[failing]).toMatchObject({ phase: 'Running', attempts: 2 });
    });
    // Once attempt 2 is recorded, attempt 1's Job goes: a node keeps one Job, not one a retry.
    const first = executionResourceName(nodeTarget(world.env.namespace, 'flaky', failing, 1, 1));
    await vi.waitFor(async () => {
      expect(await world.admin.get(resources.jobs, executionNamespace, first)).toBeNull();
    }, patience);
    await endPod('flaky', failing, 2, 3, 'boom: disk full');
    const { results } = await world.waitForResults('flaky', (_, summary) => {
      expect(summary).toEqual({ nodes: 2, succeeded: 1, failed: 1, pending: 0 });
    });
    expect(results[passing]).toMatchObject({ phase: 'Succeeded', exitCode: 0, attempts: 1 });
    expect(results[failing]).toMatchObject({ phase: 'Failed', exitCode: 3, attempts: 2 });
    expect(results[failing]?.message).toContain('boom: disk full');
    expect(await podsOf(world, 'flaky', failing, 1, 3)).toEqual([]);
    // The failed pods were read from the controller's cache, not asked of the API server.
    expect(running?.client.jobPodLists).toBe(0);
  });

  /** A user of the namespace who may create and read DistExecs, and nothing else. */
  let author: KubeClient | undefined;
  const mallory = async (): Promise<KubeClient> => {
    if (author) return author;
    const name = `${env.namespace}-author`;
    const rbac = (kind: string, plural: string): ResourceType => ({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind,
      plural,
      namespaced: true,
    });
    await world.admin.create(rbac('Role', 'roles'), env.namespace, {
      metadata: { name },
      rules: [{ apiGroups: [distExecs.group], resources: ['distexecs'], verbs: ['create', 'get'] }],
    } as KubeObject);
    await world.admin.create(rbac('RoleBinding', 'rolebindings'), env.namespace, {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }],
    } as KubeObject);
    author = new KubeClient(await env.userKubeConfig(name));
    return author;
  };

  /** Creates a DistExec on the world's nodes as that author. */
  const createAsAuthor = async (name: string, spec: Record<string, unknown>) => {
    const who = await mallory();
    await vi.waitFor(
      () =>
        who.create(distExecs, env.namespace, {
          apiVersion: 'roundhouse.dev/v1alpha1',
          kind: 'DistExec',
          metadata: { name },
          spec: { nodeSelector: world.selector, ...spec },
        }),
      patience,
    );
  };

  it("quotes as escapes, lines kept, what a non-admin author's command left in its termination log", async () => {
    await createAsAuthor('escapes', { command: 'false' });
    const [failing, passing] = nodeNames as [string, string];
    await endPod('escapes', passing, 1, 0, '');
    await endPod(
      'escapes',
      failing,
      1,
      3,
      'disk full\n\u001b[2J\u001b]0;root@prod\u0007\u200bdone',
    );
    const { results } = await world.waitForResults('escapes', (_, summary) => {
      expect(summary).toMatchObject({ failed: 1, succeeded: 1 });
    });
    expect(results[failing]?.message).toContain(
      'disk full\n\\x1b[2J\\x1b]0;root@prod\\x07\\u200bdone',
    );
    expect(results[failing]?.message).not.toMatch(/[^\P{Cc}\n\t]|[\p{Cf}\p{Zl}\p{Zp}]/u);
  });

  it('asks in a DistExec for a host network, host paths, privilege, root, a ServiceAccount or a Secret: none reaches the node Job', async () => {
    await createAsAuthor('escalate', {
      command: 'cat /host/etc/shadow',
      hostNetwork: true,
      hostPID: true,
      nodeName: nodeNames[0],
      serviceAccountName: 'distexec-jobs',
      automountServiceAccountToken: true,
      securityContext: { privileged: true, runAsUser: 0 },
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
      envFrom: [{ secretRef: { name: 'victim' } }],
      imagePullSecrets: [{ name: 'victim' }],
    });
    const pod = await vi.waitFor(async () => {
      const [found] = await podsOf(world, 'escalate', nodeNames[0] as string, 1, 1);
      expect(found).toBeDefined();
      return found as Pod & { spec: Record<string, unknown> };
    }, patience);
    expect(pod.metadata?.namespace).toBe(executionNamespace);
    expect(pod.spec).toMatchObject({ automountServiceAccountToken: false });
    expect(pod.spec.serviceAccountName).not.toBe('distexec-jobs');
    for (const field of ['hostNetwork', 'hostPID', 'volumes', 'imagePullSecrets']) {
      expect(JSON.stringify(pod.spec[field] ?? null)).not.toMatch(/true|host|victim/);
    }
    const [container] = pod.spec.containers as Record<string, unknown>[];
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.securityContext).not.toHaveProperty('privileged');
    expect(JSON.stringify(container)).not.toContain('victim');
    await world.admin.delete(distExecs, env.namespace, 'escalate');
  });

  it('runs node Jobs where the API server refuses a privileged pod, whoever builds it', async () => {
    // The node Jobs above got their pods there: they meet the restricted level.
    const refused = await world.admin
      .create(resources.pods, executionNamespace, {
        metadata: { name: 'privileged' },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'registry.invalid/busybox:1',
              securityContext: { privileged: true },
            },
          ],
        },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isKubernetesError(refused, 'Forbidden')).toBe(true);
  });

  it('ends an attempt still running at timeoutSeconds Failed/Timeout on every node, its pod stopped', async () => {
    await world.createDistExec('slow', { shell: 'sleep 600', timeoutSeconds: 2 });
    await world.waitForResults('slow', (results, summary, object) => {
      for (const node of nodeNames) {
        expect(results[node]).toMatchObject({ phase: 'Failed', reason: 'Timeout', attempts: 1 });
      }
      expect(summary).toMatchObject({ nodes: 2, failed: 2 });
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    for (const node of nodeNames) {
      await vi.waitFor(async () => {
        const pods = await podsOf(world, 'slow', node, 1, 1);
        expect(pods.filter((pod) => pod.status?.phase === 'Running')).toEqual([]);
      }, patience);
    }
  });

  it('deleting a DistExec deletes its running Jobs and their pods', async () => {
    await world.createDistExec('held', { shell: 'sleep 600' });
    await world.waitForResults('held', (results, _, object) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Running');
      expect(object?.metadata?.finalizers).toEqual(['distexec.roundhouse.dev/jobs']);
    });
    for (const node of nodeNames) {
      await vi.waitFor(async () => {
        const [pod] = await podsOf(world, 'held', node, 1, 1);
        expect(pod?.status?.phase).toBe('Running');
      }, patience);
    }
    await world.admin.delete(distExecs, env.namespace, 'held');
    await vi.waitFor(async () => {
      expect(await world.read('held')).toBeNull();
      for (const node of nodeNames) expect(await podsOf(world, 'held', node, 1, 1)).toEqual([]);
    }, patience);
  });

  it('a node cordoned while its Job runs keeps its attempt; a DistExec created after starts none there', async () => {
    const [cordoned, open] = nodeNames as [string, string];
    await world.createDistExec('before-cordon', { shell: 'sleep 600' });
    await world.waitForResults('before-cordon', (results) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Running');
    });
    const cordon = (unschedulable: boolean) =>
      world.admin.patch(
        nodes,
        undefined,
        cordoned,
        { spec: { unschedulable } },
        {
          strategy: 'merge',
        },
      );
    await cordon(true);
    try {
      await world.createDistExec('after-cordon', { shell: 'sleep 600' });
      await world.waitForResults('after-cordon', (results, summary) => {
        expect(Object.keys(results)).toEqual([open]);
        expect(summary?.nodes).toBe(1);
      });
      const { results } = await world.waitForResults('before-cordon', () => {});
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Running');
      expect(await podsOf(world, 'before-cordon', cordoned, 1, 1)).toHaveLength(1);
    } finally {
      await cordon(false);
    }
  });

  it('a node that leaves the nodeSelector loses its entry and its running Job', async () => {
    for (const node of nodeNames) {
      await world.admin.patch(
        nodes,
        undefined,
        node,
        { metadata: { labels: { pool: 'p' } } },
        { strategy: 'merge' },
      );
    }
    await world.createDistExec('pool', {
      shell: 'sleep 600',
      nodeSelector: { ...world.selector, pool: 'p' },
    });
    const [staying, leaving] = nodeNames as [string, string];
    await world.waitForResults('pool', (results) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Running');
    });
    await vi.waitFor(
      async () => expect(await podsOf(world, 'pool', leaving, 1, 1)).toHaveLength(1),
      patience,
    );
    await world.admin.patch(
      nodes,
      undefined,
      leaving,
      { metadata: { labels: { pool: null } } },
      { strategy: 'merge' },
    );
    await world.waitForResults('pool', (results, summary) => {
      expect(Object.keys(results)).toEqual([staying]);
      expect(summary).toEqual({ nodes: 1, succeeded: 0, failed: 0, pending: 1 });
    });
    await vi.waitFor(
      async () => expect(await podsOf(world, 'pool', leaving, 1, 1)).toEqual([]),
      patience,
    );
    expect(await podsOf(world, 'pool', staying, 1, 1)).toHaveLength(1);
  });
});

describeWithControlPlane('the Job-per-node mode when a node Job cannot be built', () => {
  const env = useTestNamespace({ prefix: 'dx-jobs-unbuildable' });
  const world = new World(env);
  const nodeNames: string[] = [];
  let running: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b']) nodeNames.push(await world.createNode(suffix));
    // A library caller's default image, allowed, that the job engine refuses when it builds the Job.
    running = await startController(world, {
      image: 'Busybox:1.37',
      allowedImages: ['Busybox:1.37'],
    });
  });

  afterAll(async () => {
    await running?.stop();
    await world.tearDown();
  });

  it('records every node Failed/InvalidSpec with the reason, creates no Job and keeps no finalizer', async () => {
    await world.createDistExec('unbuildable', { command: 'ls' });
    const { results } = await world.waitForResults('unbuildable', (results, summary, object) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Failed');
      expect(summary?.failed).toBe(2);
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ reason: 'InvalidSpec', attempts: 0 });
      expect(results[node]?.message).toMatch(
        /^the node's Job cannot be built: .*"Busybox:1\.37" is not an OCI reference/,
      );
      const job = executionResourceName(nodeTarget(env.namespace, 'unbuildable', node, 1, 1));
      expect(await world.admin.get(resources.jobs, executionNamespace, job)).toBeNull();
    }
  });
});

describeWithControlPlane("the Job-per-node mode sharing a namespace's room", () => {
  const env = useTestNamespace({ prefix: 'dx-jobs-room' });
  const world = new World(env);
  const nodeNames: string[] = [];
  const endPod = podEnder(world);
  let running: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b', 'c']) nodeNames.push(await world.createNode(suffix));
    nodeNames.sort();
    // Room for two unfinished Jobs in the namespace; pods run until the test ends them.
    running = await startController(world, {
      podAnnotations: { [podControls.runSeconds]: '600' },
      maxJobsPerNamespace: 2,
    });
  });

  afterAll(async () => {
    await running?.stop();
    await world.tearDown();
  });

  it("gives the slot a large DistExec's Job frees to one created after it, not to the large one's next node", async () => {
    const [first, second, third] = nodeNames as [string, string, string];
    await world.createDistExec('large', { command: 'true' });
    await world.waitForResults('large', (results) => {
      expect(Object.keys(results).sort()).toEqual([first, second]);
    });
    await world.createDistExec('small', { command: 'true' });
    // The room is full: small waits. large's first Job ends, which wakes large first.
    await endPod('large', first, 1, 0, '');
    await world.waitForResults('small', (results) => {
      expect(Object.keys(results)).toEqual([first]);
    });
    const large = await world.waitForResults('large', (results) => {
      expect(results[first]?.phase).toBe('Succeeded');
    });
    expect(Object.keys(large.results).sort()).toEqual([first, second]);
    expect(await podsOf(world, 'large', third, 1, 1)).toEqual([]);
  });
});

describeWithControlPlane('the Job-per-node mode when a Node is deleted', () => {
  const env = useTestNamespace({ prefix: 'dx-jobs-node-gone' });
  const world = new World(env);
  const nodeNames: string[] = [];
  let running: Awaited<ReturnType<typeof startController>> | undefined;

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b']) nodeNames.push(await world.createNode(suffix));
    nodeNames.sort();
    running = await startController(world);
  });

  afterAll(async () => {
    await running?.stop();
    await world.tearDown();
  });

  it("removes a deleted Node's entry from every DistExec, with its Job", async () => {
    const [staying, gone] = nodeNames as [string, string];
    for (const name of ['first', 'second']) {
      await world.createDistExec(name, { command: 'true' });
      await world.waitForResults(name, (_, summary) => expect(summary?.succeeded).toBe(2));
    }
    await world.admin.delete(nodes, undefined, gone);
    for (const name of ['first', 'second']) {
      await world.waitForResults(name, (results, summary) => {
        expect(Object.keys(results)).toEqual([staying]);
        expect(summary).toEqual({ nodes: 1, succeeded: 1, failed: 0, pending: 0 });
      });
      const job = executionResourceName(nodeTarget(world.env.namespace, name, gone, 1, 1));
      await vi.waitFor(
        async () =>
          expect(await world.admin.get(resources.jobs, executionNamespace, job)).toBeNull(),
        patience,
      );
    }
  });
});

describeWithControlPlane('the Job-per-node mode, a namespace room after a Job watch outage', () => {
  const env = useTestNamespace({ prefix: 'dx-jobs-outage' });
  const world = new World(env);
  let node = '';
  let running: Awaited<ReturnType<typeof startController>> | undefined;

  beforeAll(async () => {
    await world.setUp();
    node = await world.createNode('a');
    // Room for one unfinished Job in the namespace; pods run until the test ends.
    running = await startController(world, {
      podAnnotations: { [podControls.runSeconds]: '600' },
      maxJobsPerNamespace: 1,
    });
  });

  afterAll(async () => {
    await running?.stop();
    await world.tearDown();
  });

  it("frees the room's slot of a Job created and deleted by someone else while the Job watch was broken", async () => {
    const client = running?.client as ReadCountingClient;
    const jobOf = (name: string) =>
      executionResourceName(nodeTarget(world.env.namespace, name, node, 1, 1));
    client.breakJobWatch();
    await world.createDistExec('lost', { command: 'true' });
    await vi.waitFor(async () => {
      expect(
        await world.admin.get(resources.jobs, executionNamespace, jobOf('lost')),
      ).not.toBeNull();
    }, patience);
    // Someone else deletes it; the informer, which never held it, is told nothing.
    await world.admin.delete(resources.jobs, executionNamespace, jobOf('lost'), {
      propagationPolicy: 'Background',
    });
    await world.waitForResults('lost', (results) => {
      expect(results[node]?.reason).toBe('Lost');
    });
    // The relist holds no Job of the namespace; no create follows anywhere to free the slot.
    client.mendJobWatch();
    await world.createDistExec('next', { command: 'true' });
    await world.waitForResults('next', (results) => {
      expect(results[node]?.phase).toBe('Running');
    });
    expect(await world.admin.get(resources.jobs, executionNamespace, jobOf('next'))).not.toBeNull();
  });

  it("keeps the room's slot of a create whose answer was lost while the Job it made runs", async () => {
    const client = running?.client as ReadCountingClient;
    const jobOf = (name: string) =>
      executionResourceName(nodeTarget(world.env.namespace, name, node, 1, 1));
    const jobs = async () =>
      (await world.admin.list(resources.jobs, executionNamespace)).items.map(
        (job) => job.metadata?.name,
      );
    // The room's one slot is free again, in the controller's eyes too: its Job watch delivered
    // the deletion before the watch breaks.
    await world.admin.delete(distExecs, world.env.namespace, 'next');
    await vi.waitFor(async () => expect(await jobs()).not.toContain(jobOf('next')), patience);
    await vi.waitFor(() => expect(client.jobsSeenGone.has(jobOf('next'))).toBe(true), patience);
    // The Job watch shows nothing of the Job, whose create is never answered.
    client.breakJobWatch();
    client.answerLost.add(jobOf('lost-answer'));
    await world.createDistExec('lost-answer', { command: 'true' });
    await vi.waitFor(async () => expect(await jobs()).toContain(jobOf('lost-answer')), patience);
    await world.createDistExec('waiting', { command: 'true' });
    // A reconcile holding the finalizer reads the DistExec before its creates: its second read
    // starts a third reconcile, so two have been through their creates.
    // A Job of its own ends the wait at once, for the assertion below to fail.
    await vi.waitFor(async () => {
      if ((await jobs()).includes(jobOf('waiting'))) return;
      expect(client.distExecReadsOf.get('waiting') ?? 0).toBeGreaterThanOrEqual(2);
    }, patience);
    expect(await jobs()).not.toContain(jobOf('waiting'));

    // The watch mends and shows the Job; once its DistExec goes, the slot is the waiting one's.
    client.mendJobWatch();
    await world.admin.delete(distExecs, world.env.namespace, 'lost-answer');
    await world.waitForResults('waiting', (results) => {
      expect(results[node]?.phase).toBe('Running');
    });
  });
});
