import { describe, expect, it } from 'vitest';
import { CachedPodSchema, cachedPod } from './pod-cache.js';
import { explainPodFailure, PodStateSchema } from './status.js';
import { explainStuckStart } from './stuck-start.js';

/** A pod as the API server sends it, abridged but with the bulk a cache should not keep. */
const apiPod = (state: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'wfe-1-abcde',
    namespace: 'workflows',
    uid: 'pod-uid',
    creationTimestamp: '2026-12-02T03:00:01Z',
    resourceVersion: '42',
    labels: { 'roundhouse.dev/workflow-execution': 'wfe-1', 'batch.kubernetes.io/job-name': 'j' },
    annotations: { note: 'x'.repeat(1000) },
    ownerReferences: [{ kind: 'Job', name: 'j', uid: 'job-uid' }],
    managedFields: [{ manager: 'kube-controller-manager' }],
  },
  spec: { containers: [{ name: 'workflow', image: 'registry.invalid/w:1', env: [] }] },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'True' }],
    reason: 'Evicted',
    message: 'low on memory',
    containerStatuses: [
      {
        name: 'workflow',
        image: 'registry.invalid/w:1',
        imageID: '',
        ready: false,
        restartCount: 0,
        lastState: { terminated: { exitCode: 1 } },
        state,
      },
    ],
  },
});

describe('cachedPod', () => {
  it('keeps what the engine reads and what the cache needs, and nothing else', () => {
    const waiting = { waiting: { reason: 'ImagePullBackOff', message: 'back-off' } };
    expect(cachedPod(apiPod(waiting))).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'wfe-1-abcde',
        namespace: 'workflows',
        uid: 'pod-uid',
        // What a warning about the pod is held to (see ListedPod).
        creationTimestamp: '2026-12-02T03:00:01Z',
        resourceVersion: '42',
        labels: {
          'roundhouse.dev/workflow-execution': 'wfe-1',
          'batch.kubernetes.io/job-name': 'j',
        },
      },
      status: {
        phase: 'Pending',
        reason: 'Evicted',
        message: 'low on memory',
        containerStatuses: [{ name: 'workflow', state: waiting }],
      },
    });
  });

  it.each([
    { waiting: { reason: 'ImagePullBackOff', message: 'back-off pulling' } },
    { waiting: { reason: 'CreateContainerConfigError' } },
    { terminated: { exitCode: 137, reason: 'OOMKilled', message: 'killed', startedAt: 'x' } },
    { running: { startedAt: '2026-01-01T00:00:00Z' } },
  ])('explains a cached pod as it explains the live one (%o)', (state) => {
    const live = PodStateSchema.parse(apiPod(state));
    const cached = PodStateSchema.parse(cachedPod(apiPod(state)));
    expect(cached).toEqual(live);
    expect(explainStuckStart([cached], [])).toEqual(explainStuckStart([live], []));
    expect(explainPodFailure([cached])).toEqual(explainPodFailure([live]));
  });

  it('keeps only the DisruptionTarget condition, which the failure explanation reads', () => {
    const pod = apiPod({ terminated: { exitCode: 143, reason: 'Error' } });
    const disruption = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const { reason: _reason, message: _message, ...status } = pod.status;
    const drained = {
      ...pod,
      status: { ...status, conditions: [...status.conditions, disruption] },
    };
    const cached = cachedPod(drained) as { status: { conditions: unknown } };
    expect(cached.status.conditions).toEqual([
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'EvictionByEvictionAPI',
        message: 'Eviction API: evicting',
      },
    ]);
    const live = PodStateSchema.parse(drained);
    expect(PodStateSchema.parse(cached)).toEqual(live);
    expect(explainPodFailure([PodStateSchema.parse(cached)])).toEqual({
      exitCode: 143,
      reason: 'Unknown',
      description: 'pod wfe-1-abcde EvictionByEvictionAPI: Eviction API: evicting',
    });
  });

  it('keeps when a pod was deleted, which tells a container the deletion killed', () => {
    const pod = apiPod({
      terminated: { exitCode: 143, reason: 'Error', finishedAt: '2026-01-01T10:00:01Z' },
    });
    const { reason: _reason, message: _message, ...status } = pod.status;
    const deleted = {
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: '2026-01-01T10:00:30Z',
        deletionGracePeriodSeconds: 30,
      },
      status,
    };
    const cached = PodStateSchema.parse(cachedPod(deleted));
    expect(cached).toEqual(PodStateSchema.parse(deleted));
    expect(explainPodFailure([cached])).toMatchObject({ reason: 'Unknown', exitCode: 143 });
  });

  it.each([
    { waiting: { reason: 'ImagePullBackOff' } },
    { terminated: { exitCode: 1, reason: 'Error' } },
  ])('picks exactly the shape of CachedPodSchema (%o)', (state) => {
    const cached = cachedPod(apiPod(state));
    expect(CachedPodSchema.parse(cached)).toEqual(cached);
    const bare = cachedPod({ metadata: { name: 'p', resourceVersion: '1' } });
    expect(bare).toEqual({ metadata: { name: 'p', resourceVersion: '1' } });
    expect(CachedPodSchema.parse(bare)).toEqual(bare);
  });

  it('keeps a pod it cannot read whole, for the engine to report as on a live read', () => {
    const odd = { metadata: { name: 'p', resourceVersion: '1' }, status: { containerStatuses: 3 } };
    expect(cachedPod(odd)).toBe(odd);
    // A status that is no object at all, which a live read's parse refuses too.
    const noStatus = { metadata: { name: 'p', resourceVersion: '1' }, status: 'Running' };
    expect(cachedPod(noStatus)).toBe(noStatus);
  });
});
