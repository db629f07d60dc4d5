import { describe, expect, it } from 'vitest';
import { stoppedByDeletion } from './pod-deletion.js';
import { PodStateSchema } from './steps.js';

const deletedAt = { deletionTimestamp: '2026-01-02T03:00:40Z', deletionGracePeriodSeconds: 30 };
// The deletion was asked for at 03:00:10: deletionTimestamp is the end of its grace period.

function pod(phase: string, finishedAt: Record<string, string | undefined>, extra = {}) {
  const exit = (name: string) => (name === 'test' ? 143 : 0);
  return PodStateSchema.parse({
    metadata: { name: 'wfe-1', creationTimestamp: '2026-01-02T03:00:00Z', ...deletedAt },
    spec: { containers: [{ name: 'lint' }, { name: 'test' }] },
    status: {
      phase,
      ...extra,
      containerStatuses: Object.entries(finishedAt).map(([name, at]) => ({
        name,
        state: at
          ? { terminated: { exitCode: exit(name), finishedAt: at } }
          : { running: { startedAt: '2026-01-02T03:00:01Z' } },
      })),
    },
  });
}

describe('stoppedByDeletion', () => {
  it('is true for a pod deleted while it ran, and for the steps the deletion killed', () => {
    expect(stoppedByDeletion(pod('Running', { lint: undefined, test: undefined }))).toBe(true);
    const killed = pod('Failed', { lint: '2026-01-02T03:00:05Z', test: '2026-01-02T03:00:11Z' });
    expect(stoppedByDeletion(killed)).toBe(true);
    // Its node out of service, PodGC failed it without its kubelet: test still reads running.
    const failedByPodGC = pod('Failed', { lint: '2026-01-02T03:00:05Z', test: undefined });
    expect(stoppedByDeletion(failedByPodGC)).toBe(true);
  });

  it('counts a step that stopped in the second the deletion was asked for as killed', () => {
    // Both times are whole seconds: a step that exits promptly on the kubelet's SIGTERM
    // carries the very second of the request.
    const prompt = pod('Failed', { lint: '2026-01-02T03:00:05Z', test: '2026-01-02T03:00:10Z' });
    expect(stoppedByDeletion(prompt)).toBe(true);
  });

  it('keeps the verdict of a pod that ended, or whose step failed, before its deletion', () => {
    const done = pod('Failed', { lint: '2026-01-02T03:00:05Z', test: '2026-01-02T03:00:09Z' });
    expect(stoppedByDeletion(done)).toBe(false);
    const failedFirst = PodStateSchema.parse({
      ...pod('Failed', { lint: '2026-01-02T03:00:30Z', test: '2026-01-02T03:00:09Z' }),
    });
    expect(stoppedByDeletion(failedFirst)).toBe(false);
  });

  it('leaves a pod the cluster ended, and one not deleted, to the status mapping', () => {
    const evicted = pod(
      'Running',
      { lint: undefined, test: undefined },
      {
        conditions: [
          { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' },
        ],
      },
    );
    expect(stoppedByDeletion(evicted)).toBe(false);
    const live = PodStateSchema.parse({
      ...pod('Running', { lint: undefined }),
      metadata: { name: 'wfe-1' },
    });
    expect(stoppedByDeletion(live)).toBe(false);
  });
});
