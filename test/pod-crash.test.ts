/**
 * Over 350 lines: one campaign, the pod engine abandoned at every request of each of its calls
 * and then taken over by a fresh executor, plus the stall that stands between them; the crash
 * client and the checks serve every case and would only be passed around if split.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  RoundhouseError,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { PodExecutor, type PodExecutorOptions } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it, vi } from 'vitest';
import {
  allowedImages,
  finishPod,
  patience,
  podInitializing,
  running,
  runningPod,
  terminated,
  withSteps,
  writeStepStatuses,
} from '../packages/pod/test/drive.js';
import { stallingProxy, throughServer } from './example-controller/crash-harness.js';

/** The executor's process ended here: nothing it had in flight reaches it any more. */
class Crashed extends Error {}

/**
 * Where a crash falls: before the `at`th request is sent, after it took effect (unanswered), or
 * `during` it: the caller's signal aborts it once sent, as a shutting-down controller's does.
 */
interface Crash {
  readonly at: number;
  readonly when: 'before' | 'after' | 'during';
}

const crashes = (upTo: number): Crash[] =>
  Array.from({ length: upTo }, (_, i) => i + 1).flatMap((at) => [
    { at, when: 'before' as const },
    { at, when: 'after' as const },
  ]);

const requestVerbs = new Set(['create', 'get', 'list', 'delete', 'patch', 'isServed']);

/**
 * A client whose process dies at `crash`: that request is not sent (`before`) or is sent and
 * its answer lost (`after`), and no request after it is sent. `sent` counts what reached the
 * API server. `during`: the request is sent and `signal` aborted right after, as the caller's
 * own abort would, and the client goes on as it does then.
 */
function crashingClient(kubeConfig: KubeConfig, crash: Crash) {
  const real = new KubeClient(kubeConfig);
  const stop = new AbortController();
  let issued = 0;
  let sent = 0;
  const client = new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (typeof key !== 'string' || !requestVerbs.has(key)) return value.bind(target);
      return async (...args: unknown[]) => {
        issued += 1;
        if (crash.when === 'during') {
          sent += 1;
          const answer = value.apply(target, args) as Promise<unknown>;
          if (issued === crash.at) setImmediate(() => stop.abort());
          return answer;
        }
        if (issued > crash.at || (issued === crash.at && crash.when === 'before')) {
          throw new Crashed(`crashed before request ${issued} (${key})`);
        }
        sent += 1;
        const answer = value.apply(target, args) as Promise<unknown>;
        if (issued < crash.at) return answer;
        await answer.catch(() => undefined);
        throw new Crashed(`crashed after request ${issued} (${key}) took effect`);
      };
    },
  });
  return { client, signal: stop.signal, sent: () => sent, close: () => real.close() };
}

let sequence = 0;
function execution(target?: string, name?: string): WorkflowExecution {
  sequence += 1;
  const wfe = sampleExecution({
    name: name ?? `crash-${sequence}`,
    spec: { targetResource: target ?? `team-a/deployment/crash-${sequence}` },
  });
  return withSteps({ ...wfe, metadata: { ...wfe.metadata, uid: `crash-uid-${sequence}` } });
}

const withRef = (wfe: WorkflowExecution, name: string): WorkflowExecution => ({
  ...wfe,
  status: { executionRef: { name } },
});

type Pod = KubeObject & { status?: Record<string, unknown> };

describeWithControlPlane('the pod engine across crashes and stalls', () => {
  const env = useTestNamespace({ prefix: 'pod-crash' });
  const options: PodExecutorOptions = { allowedImages };
  const opened: { close(): Promise<void> }[] = [];
  const admin = () => {
    const client = new KubeClient(env.kubeConfig);
    opened.push(client);
    return client;
  };
  /** A fresh process: a new executor with a client of its own. */
  const fresh = () => new PodExecutor(admin(), options);
  const crashing = (crash: Crash) => {
    const made = crashingClient(env.kubeConfig, crash);
    opened.push(made);
    return {
      executor: new PodExecutor(made.client, options),
      signal: made.signal,
      sent: made.sent,
    };
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });

  /** The Pods of the namespace that carry the execution's name, by uid: one at most, ever. */
  async function podsOf(wfe: WorkflowExecution): Promise<Pod[]> {
    const { items } = await admin().list<Pod>(resources.pods, env.namespace);
    return items.filter(
      (p) => p.metadata?.labels?.['roundhouse.dev/workflow-execution'] === wfe.metadata.name,
    );
  }

  it('creates one Pod per execution whatever request of create or of its retry a crash cuts', async () => {
    for (const first of crashes(1)) {
      for (const second of crashes(2)) {
        const wfe = execution();
        const crashed = crashing(first);
        await expect(crashed.executor.create(wfe, env.namespace)).rejects.toThrow(Crashed);
        const afterFirst = await podsOf(wfe);
        // The POST reached the API server only when the crash came after it.
        expect(afterFirst).toHaveLength(first.when === 'after' ? 1 : 0);
        const retry = crashing(second);
        const outcome = await retry.executor.create(wfe, env.namespace).then(
          (created) => ({ created }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) expect(outcome.error).toBeInstanceOf(Crashed);
        const existed = (await podsOf(wfe)).length === 1;
        const final = await fresh().create(wfe, env.namespace);
        const pods = await podsOf(wfe);
        expect(pods, `${JSON.stringify({ first, second })}`).toHaveLength(1);
        // The Pod the first crash left is the one every later create adopted, never replaced.
        if (afterFirst[0]) expect(pods[0]?.metadata?.uid).toBe(afterFirst[0].metadata?.uid);
        expect(final.resourceName).toBe(pods[0]?.metadata?.name);
        expect(final.adoptedKind).toBe(existed ? 'Pod' : undefined);
      }
    }
  });

  it("adopts only its own Pod: another owner's under the same name is a conflict", async () => {
    const target = 'team-a/deployment/contested';
    const holder = execution(target);
    const { resourceName } = await fresh().create(holder, env.namespace);
    const held = await runningPod(admin(), env.namespace, resourceName);
    // Another execution on the same target, and an earlier incarnation of the holder (same
    // name, another uid): neither may take the Pod, before a crash or after it.
    const other = execution(target);
    const incarnation = { ...holder, metadata: { ...holder.metadata, uid: 'an-earlier-uid' } };
    for (const contender of [other, incarnation]) {
      for (const crash of crashes(2)) {
        await expect(crashing(crash).executor.create(contender, env.namespace)).rejects.toThrow();
        await expect(fresh().create(contender, env.namespace)).rejects.toBeInstanceOf(
          ResourceLockedError,
        );
        expect(await fresh().getStatus(withRef(contender, resourceName), env.namespace)).toBeNull();
        await fresh().cleanup(withRef(contender, resourceName), env.namespace);
      }
    }
    const still = await admin().get<Pod>(resources.pods, env.namespace, resourceName);
    expect(still?.metadata?.uid).toBe(held.metadata?.uid);
    expect(still?.metadata?.deletionTimestamp).toBeUndefined();
    // Once it ended, the lock is stale, still not free: the contender waits for its cleanup.
    await finishPod(admin(), env.namespace, resourceName, 0);
    await vi.waitFor(async () => {
      await expect(fresh().create(other, env.namespace)).rejects.toThrow(
        PreviousExecutionNotCleanedError,
      );
    }, patience);
  });

  it('reads the same status after a crash at any request of a status read, no step lost', async () => {
    const wfe = execution();
    const { resourceName } = await fresh().create(wfe, env.namespace);
    const ref = withRef(wfe, resourceName);
    const at = (s: number) => `2026-01-02T03:00:${String(s).padStart(2, '0')}Z`;
    await writeStepStatuses(admin(), env.namespace, resourceName, {
      initContainerStatuses: { fetch: terminated(0, at(1), at(2)), build: running(at(2)) },
      containerStatuses: { report: podInitializing },
    });
    const midway = await vi.waitFor(async () => {
      const status = await fresh().getStepStatus(ref, env.namespace);
      expect(status?.result.reason).toBe('StepRunning');
      return status;
    }, patience);
    for (const crash of crashes(1)) {
      await expect(crashing(crash).executor.getStepStatus(ref, env.namespace)).rejects.toThrow(
        Crashed,
      );
      expect(await fresh().getStepStatus(ref, env.namespace)).toEqual(midway);
    }
    // Its node went away mid-step and PodGC failed it: no step exited with a code, so the read
    // also lists the kubelet's warnings, a second request a crash may cut.
    await admin().patch(
      resources.pods,
      env.namespace,
      resourceName,
      {
        status: {
          phase: 'Failed',
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'DeletionByPodGC',
              message: 'PodGC: node no longer exists',
              lastTransitionTime: at(9),
            },
          ],
        },
      },
      { subresource: 'status', strategy: 'merge' },
    );
    const ended = await vi.waitFor(async () => {
      const status = await fresh().getStepStatus(ref, env.namespace);
      expect(status?.result.phase).toBe('Failed');
      return status;
    }, patience);
    expect(ended?.result).toMatchObject({
      reason: 'DeletionByPodGC',
      failureReason: 'Unknown',
      failedTaskName: 'build',
      started: true,
    });
    expect(ended?.steps.map((s) => [s.name, s.state, s.exitCode])).toEqual([
      ['fetch', 'Succeeded', 0],
      ['build', 'Running', undefined],
      ['report', 'Skipped', undefined],
    ]);
    for (const crash of crashes(2)) {
      const crashed = crashing(crash);
      await expect(crashed.executor.getStatus(ref, env.namespace)).rejects.toThrow(Crashed);
      expect(crashed.sent()).toBe(crash.when === 'after' ? crash.at : crash.at - 1);
      expect(await fresh().getStepStatus(ref, env.namespace)).toEqual(ended);
    }
  });

  it('cleans up after a crash at any request of cleanup, and frees the target', async () => {
    for (const crash of crashes(2)) {
      const target = `team-a/deployment/cleanup-${crash.at}-${crash.when}`;
      const wfe = execution(target);
      const { resourceName } = await fresh().create(wfe, env.namespace);
      const ref = withRef(wfe, resourceName);
      await runningPod(admin(), env.namespace, resourceName);
      const before = await fresh().getStatus(ref, env.namespace);
      expect(before?.phase).toBe('Running');
      await expect(crashing(crash).executor.cleanup(ref, env.namespace)).rejects.toThrow(Crashed);
      // Between the crash and the next cleanup: a Pod whose deletion was asked for reads as
      // gone, never as a step the kubelet killed; one that was not is as it was.
      const between = await fresh().getStatus(ref, env.namespace);
      if (crash.at === 2 && crash.when === 'after') expect(between).toBeNull();
      else expect(between).toEqual(before);
      await fresh().cleanup(ref, env.namespace);
      await fresh().cleanup(ref, env.namespace);
      await vi.waitFor(async () => expect(await podsOf(wfe)).toEqual([]), patience);
      expect(await fresh().getStatus(ref, env.namespace)).toBeNull();
      const next = execution(target);
      const created = await fresh().create(next, env.namespace);
      expect(created.adoptedKind).toBeUndefined();
      await fresh().cleanup(withRef(next, created.resourceName), env.namespace);
    }
  });

  it('leaves one Pod, or none, when its caller aborts create or cleanup mid-request', async () => {
    for (const at of [1, 2]) {
      const wfe = execution();
      // The second request of a create is the read of a Pod that already exists.
      if (at === 2) await fresh().create(wfe, env.namespace);
      const existed = (await podsOf(wfe))[0];
      const aborted = crashing({ at, when: 'during' });
      const outcome = await aborted.executor
        .create(wfe, env.namespace, { signal: aborted.signal })
        .then(
          (created) => ({ created }),
          (error: unknown) => ({ error }),
        );
      // An abort that lands before the answer is the typed Aborted, never a refusal.
      if ('error' in outcome) expect(outcome.error).toMatchObject({ reason: 'Aborted' });
      const final = await fresh().create(wfe, env.namespace);
      const pods = await podsOf(wfe);
      expect(pods).toHaveLength(1);
      if (existed) expect(pods[0]?.metadata?.uid).toBe(existed.metadata?.uid);
      const ref = withRef(wfe, final.resourceName);
      const stopping = crashing({ at, when: 'during' });
      await stopping.executor
        .cleanup(ref, env.namespace, { signal: stopping.signal })
        .catch((error: unknown) => expect(error).toMatchObject({ reason: 'Aborted' }));
      await fresh().cleanup(ref, env.namespace);
      await vi.waitFor(async () => expect(await podsOf(wfe)).toEqual([]), patience);
    }
  });

  it('answers a stall with a retryable error, never a phase, and reads on after it', async () => {
    const server = env.kubeConfig.getCurrentCluster()?.server as string;
    const proxy = stallingProxy(new URL(server));
    const behindProxy = throughServer(env.kubeConfig, await proxy.listen());
    // Long enough for a loaded API server's answers, short enough to end calls the stall holds.
    const stallable = new KubeClient(behindProxy, { timeoutMs: 5_000 });
    opened.push(stallable, proxy);
    const executor = new PodExecutor(stallable, options);
    const wfe = execution();
    const { resourceName } = await executor.create(wfe, env.namespace);
    const ref = withRef(wfe, resourceName);
    await runningPod(admin(), env.namespace, resourceName);
    const before = await executor.getStepStatus(ref, env.namespace);
    expect(before?.result.phase).toBe('Running');
    const waiting = execution();
    proxy.stall();
    const calls = [
      executor.getStatus(ref, env.namespace),
      executor.getStepStatus(ref, env.namespace),
      executor.create(waiting, env.namespace),
      executor.cleanup(ref, env.namespace),
    ];
    for (const call of calls) {
      const error = await (call as Promise<unknown>).then(
        (value) => ({ value }),
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(RoundhouseError);
      expect(error).toMatchObject({ retryable: true });
      expect((error as { reason: string }).reason).toMatch(/^(Timeout|Unavailable)$/);
    }
    proxy.resume();
    // The cleanup's read may have reached the API server once the stall ended, never its delete:
    // the Pod runs on, and its status is what it was.
    await vi.waitFor(
      async () => expect(await executor.getStepStatus(ref, env.namespace)).toEqual(before),
      patience,
    );
    const created = await executor.create(waiting, env.namespace);
    expect(await podsOf(waiting)).toHaveLength(1);
    await executor.cleanup(withRef(waiting, created.resourceName), env.namespace);
    // The Pod succeeds while the executor cannot see it: it reads that, once it can again.
    proxy.stall();
    const unseen = executor.getStatus(ref, env.namespace).catch((error: unknown) => error);
    await finishPod(admin(), env.namespace, resourceName, 0);
    expect(await unseen).toMatchObject({ retryable: true });
    proxy.resume();
    await vi.waitFor(async () => {
      expect(await executor.getStatus(ref, env.namespace)).toMatchObject({ phase: 'Completed' });
    }, patience);
    await executor.cleanup(ref, env.namespace);
  });
});
