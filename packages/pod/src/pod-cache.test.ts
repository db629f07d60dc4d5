import {
  executionResourceName,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { podLogSources } from './log-sources.js';
import { cachedPod } from './pod-cache.js';
import { PodExecutor } from './pod-executor.js';

const namespace = 'workflows';
const images = ['quay.io/acme/*'];

/**
 * An execution whose Pod is near the largest the engine builds: every one of its 12 steps
 * carries the four 25 000-character parameters and a script of its own.
 */
const largeExecution = (name: string, parallel = false): WorkflowExecution =>
  sampleExecution({
    name,
    spec: {
      executionEngine: 'pod',
      parameters: Object.fromEntries(['A', 'B', 'C', 'D'].map((k) => [k, k.repeat(25_000)])),
      workflowRef: {
        workflowId: 'w',
        version: '1',
        executionBundle: 'quay.io/acme/b:1',
        engineConfig: {
          parallel,
          steps: Array.from({ length: 12 }, (_, i) => ({
            name: `step-${i}`,
            image: 'quay.io/acme/run:1',
            script: `echo ${i}; ${'true; '.repeat(1_000)}`,
            env: [{ name: 'STEP', value: String(i) }],
          })),
        },
      },
    },
  });

/** A controller's cache of `api`'s Pods, trimmed by `cachedPod`; everything else read live. */
function cachedPods(api: MemoryKubeClient): Reader {
  return {
    get: async (type, ns, name) => {
      const object = await api.get(type, ns, name);
      return (type === resources.pods && object ? cachedPod(object) : object) as never;
    },
    list: (type, ns, options) => api.list(type, ns, options),
  };
}

type Pod = KubeObject & {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/** The execution's Pod as the API server holds it. */
async function created(api: MemoryKubeClient, wfe: WorkflowExecution): Promise<Pod> {
  const { resourceName } = await new PodExecutor(api, {
    allowedImages: images,
    defaultTimeout: '1h',
  }).create(wfe, namespace);
  return api.object(resources.pods, namespace, resourceName) as Pod;
}

/** What the engine answers about `wfe`'s Pod through `reader`. */
async function answers(api: MemoryKubeClient, reader: Reader, wfe: WorkflowExecution) {
  const name = executionResourceName(wfe.spec.targetResource, roundhouseConventions.namePrefix);
  const executor = new PodExecutor(api, { reader, allowedImages: [], startupGraceMs: 1_000 });
  const outcome = (call: () => Promise<unknown>) =>
    call().then(
      (value) => ({ value }),
      (error: { reason?: string; message?: string }) => ({ error: [error.reason, error.message] }),
    );
  const pod = await reader.get<KubeObject>(resources.pods, namespace, name);
  return {
    status: await outcome(() => executor.getStepStatus(wfe, namespace)),
    adopt: await outcome(() => executor.adopt(wfe, namespace)),
    logs: pod ? podLogSources(pod, roundhouseConventions) : undefined,
  };
}

const terminated = (exitCode: number, at: string) => ({
  terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', finishedAt: at },
});

/** Pod statuses across a Pod's life, by its init (all steps but the last) and main steps. */
const statuses: Record<string, (init: string[], main: string[]) => object> = {
  unscheduled: () => ({
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes' },
    ],
  }),
  'stuck on its image': (init) => ({
    phase: 'Pending',
    startTime: '2026-01-01T00:00:01Z',
    initContainerStatuses: init.map((name, i) => ({
      name,
      state: i
        ? { waiting: { reason: 'PodInitializing' } }
        : { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } },
    })),
  }),
  running: (init, main) => ({
    phase: 'Pending',
    startTime: '2026-01-01T00:00:01Z',
    initContainerStatuses: init.map((name, i) => ({
      name,
      state:
        i < 3
          ? terminated(0, '2026-01-01T00:00:30Z')
          : i === 3
            ? { running: { startedAt: '2026-01-01T00:00:31Z' } }
            : { waiting: { reason: 'PodInitializing' } },
    })),
    containerStatuses: main.map((name) => ({
      name,
      state: { waiting: { reason: 'PodInitializing' } },
    })),
  }),
  succeeded: (init, main) => ({
    phase: 'Succeeded',
    startTime: '2026-01-01T00:00:01Z',
    initContainerStatuses: init.map((name) => ({
      name,
      state: terminated(0, '2026-01-01T00:00:30Z'),
    })),
    containerStatuses: main.map((name) => ({ name, state: terminated(0, '2026-01-01T00:01:00Z') })),
  }),
  'failed in a step': (init, main) => ({
    phase: 'Failed',
    startTime: '2026-01-01T00:00:01Z',
    initContainerStatuses: init.map((name, i) => ({
      name,
      state:
        i < 2
          ? terminated(0, '2026-01-01T00:00:30Z')
          : i === 2
            ? terminated(3, '2026-01-01T00:00:40Z')
            : { waiting: { reason: 'PodInitializing' } },
    })),
    containerStatuses: main.map((name) => ({
      name,
      state: { waiting: { reason: 'PodInitializing' } },
    })),
  }),
  'past its deadline unstarted': () => ({ phase: 'Pending' }),
  'failed at its deadline': (init, main) => ({
    phase: 'Failed',
    reason: 'DeadlineExceeded',
    message: 'Pod was active on the node longer than the specified deadline',
    startTime: '2026-01-01T00:00:01Z',
    initContainerStatuses: init.map((name, i) => ({
      name,
      state: i
        ? { waiting: { reason: 'PodInitializing' } }
        : { running: { startedAt: '2026-01-01T00:00:02Z' } },
    })),
    containerStatuses: main.map((name) => ({
      name,
      state: { waiting: { reason: 'PodInitializing' } },
    })),
  }),
};

describe('cachedPod', () => {
  afterEach(() => vi.useRealTimers());

  it("drops the steps' scripts, environment, mounts and managedFields, keeping the metadata, the status and the spec fields read", async () => {
    const api = new MemoryKubeClient();
    const pod = await created(api, largeExecution('big'));
    pod.metadata = { ...pod.metadata, managedFields: [{ manager: 'kubelet' }] };
    pod.status = statuses.succeeded?.(['step-0'], ['step-1']) as Record<string, unknown>;
    const cached = cachedPod(pod) as Pod;
    const { managedFields: _, ...metadata } = pod.metadata;
    const step = (i: number) => ({ name: `step-${i}`, command: ['/bin/sh', '-e', '-c', ''] });
    expect(cached).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata,
      spec: {
        activeDeadlineSeconds: pod.spec.activeDeadlineSeconds,
        initContainers: Array.from({ length: 11 }, (_, i) => step(i)),
        containers: [step(11)],
      },
      status: pod.status,
    });
    expect(metadata.finalizers).toHaveLength(1);
    expect(pod.spec).toHaveProperty('volumes');
    expect(JSON.stringify(pod).length).toBeGreaterThan(1_000_000);
    expect(JSON.stringify(cached).length).toBeLessThan(JSON.stringify(pod).length / 200);
  });

  it("is the pod engine's watch transform, so a controller caches its Pods without their steps' scripts and environment", async () => {
    const api = new MemoryKubeClient();
    const pod = await created(api, largeExecution('watched'));
    const [watch] = new PodExecutor(api).watches;
    expect(watch?.transform?.(pod)).toEqual(cachedPod(pod));
    expect(watch?.transform?.(pod)).not.toHaveProperty('spec.containers.0.env');
  });

  it('blanks the arguments and script words, keeping how many there are and the shell', () => {
    const pod = {
      metadata: { name: 'p' },
      spec: {
        initContainers: [
          { name: 'mesh-init', command: ['iptables-setup'], args: ['--redirect', 'all'] },
          { name: 'proxy', restartPolicy: 'Always', image: 'proxy:1' },
        ],
        containers: [{ name: 'wrapped', command: ['/wrapper'], args: ['/bin/sh', '-c', 'x'] }],
      },
    };
    expect(cachedPod(pod)).toEqual({
      metadata: { name: 'p' },
      spec: {
        initContainers: [
          { name: 'mesh-init', command: ['iptables-setup'], args: ['', ''] },
          { name: 'proxy', restartPolicy: 'Always' },
        ],
        containers: [{ name: 'wrapped', command: ['/wrapper'], args: ['', '', ''] }],
      },
    });
  });

  it('keeps a Pod it cannot read whole, and a word that is no string, for the parse to report as a live read would', () => {
    const odd = { metadata: { name: 'p' }, spec: 'not an object' };
    expect(cachedPod(odd)).toBe(odd);
    const oddWord = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', command: [1] }] },
    };
    expect(cachedPod(oddWord)).toEqual(oddWord);
  });

  it.each(
    Object.keys(statuses).flatMap((state) => [[state, false] as const, [state, true] as const]),
  )(
    'gives the same status, adoption and log sources from a cached %s Pod (parallel: %s) as from the whole Pod',
    async (state, parallel) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
      const api = new MemoryKubeClient();
      const wfe = largeExecution(`run-${parallel}`, parallel);
      const pod = await created(api, wfe);
      const status = statuses[state]?.(names(pod.spec.initContainers), names(pod.spec.containers));
      api.setStatus(resources.pods, namespace, pod.metadata?.name as string, status as object);
      vi.setSystemTime(
        new Date(
          state === 'past its deadline unstarted' ? '2026-01-02T00:00:00Z' : '2026-01-01T00:02:00Z',
        ),
      );
      const whole = await answers(api, api, wfe);
      expect(whole.status).toHaveProperty('value.result.phase');
      expect(await answers(api, cachedPods(api), wfe)).toEqual(whole);
    },
  );

  it('gives the same answers for a Pod a webhook added containers to, or rewrote the commands of', async () => {
    const api = new MemoryKubeClient();
    const wfe = largeExecution('meshed');
    const pod = await created(api, wfe);
    const init = pod.spec.initContainers as Record<string, unknown>[];
    const main = pod.spec.containers as Record<string, unknown>[];
    const proxy = { name: 'proxy', image: 'proxy:1', restartPolicy: 'Always', args: ['proxy'] };
    api.put(resources.pods, namespace, {
      ...pod,
      spec: {
        ...pod.spec,
        initContainers: [
          { name: 'mesh-init', command: ['setup'], args: ['-p', '15001'] },
          proxy,
          ...init,
        ],
        // A shell command with arguments of its own is no step's.
        containers: [
          ...main,
          { name: 'tail', command: ['/bin/sh', '-e', '-c', 'tail'], args: ['-'] },
        ],
      },
      status: {
        phase: 'Running',
        initContainerStatuses: [
          { name: 'mesh-init', state: terminated(0, '2026-01-01T00:00:10Z') },
          { name: 'proxy', state: { running: { startedAt: '2026-01-01T00:00:11Z' } } },
          ...init.map((c) => ({ name: c.name, state: terminated(0, '2026-01-01T00:00:30Z') })),
        ],
        containerStatuses: [
          ...main.map((c) => ({ name: c.name, state: terminated(1, '2026-01-01T00:01:00Z') })),
          { name: 'tail', state: { running: { startedAt: '2026-01-01T00:00:12Z' } } },
        ],
      },
    });
    const meshed = await answers(api, api, wfe);
    expect(meshed.logs?.containers).toHaveLength(12);
    expect(meshed.status).toHaveProperty('value.result.phase', 'Failed');
    expect(await answers(api, cachedPods(api), wfe)).toEqual(meshed);

    const wrap = (c: Record<string, unknown>) => ({ ...c, command: ['/wrapper'], args: c.command });
    api.put(resources.pods, namespace, {
      ...(api.object(resources.pods, namespace, pod.metadata?.name as string) as Pod),
      spec: { ...pod.spec, initContainers: [proxy, ...init.map(wrap)], containers: main.map(wrap) },
    });
    const wrapped = await answers(api, api, wfe);
    expect(wrapped.logs?.containers).toEqual(names([...init, ...main]));
    expect(await answers(api, cachedPods(api), wfe)).toEqual(wrapped);
  });

  it('gives the same answers for a Pod deleted while it ran, and one kept by its finalizer', async () => {
    const api = new MemoryKubeClient();
    const wfe = largeExecution('deleted');
    const pod = await created(api, wfe);
    api.put(resources.pods, namespace, {
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: '2026-01-01T00:01:30Z',
        deletionGracePeriodSeconds: 30,
      },
      status: statuses.running?.(names(pod.spec.initContainers), names(pod.spec.containers)),
    });
    const deleting = await answers(api, api, wfe);
    expect(deleting.status).toEqual({ value: null });
    expect(deleting.adopt).toHaveProperty('value.adoptedKind', 'Pod');
    expect(await answers(api, cachedPods(api), wfe)).toEqual(deleting);
  });
});

function names(list: unknown): string[] {
  return ((list ?? []) as { name: string }[]).map((c) => c.name);
}
