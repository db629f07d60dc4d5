import { type ActionPhase, setActionPhase, waitingForCacheMessage } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { SlotLines } from './slot-lines.js';

const now = new Date('2026-03-01T10:00:00Z');

/** Action `name` of namespace ns, created at second `second` past 10:00, in `phase`. */
function action(
  name: string,
  second: number,
  phase: ActionPhase | undefined,
  more: { message?: string; deleting?: boolean; condition?: boolean } = {},
): KubeObject {
  const created = new Date(now.getTime() + second * 1000).toISOString();
  return {
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: created,
      ...(more.deleting ? { deletionTimestamp: created } : {}),
    },
    spec: more.condition ? { actionType: 'condition' } : { taskType: 'container' },
    status: phase
      ? { conditions: setActionPhase(undefined, phase, more.message ?? phase, { now }) }
      : {},
  };
}

const none = new Set<string>();

/** The line of a cache holding `peers`. */
function linesOf(peers: readonly KubeObject[]): SlotLines {
  const lines = new SlotLines();
  for (const peer of peers) lines.set(peer);
  return lines;
}

function judgeAttemptSlot(
  candidate: KubeObject,
  peers: readonly KubeObject[],
  claimed: ReadonlySet<string>,
  max: number,
) {
  return linesOf(peers).judge(candidate, claimed, max);
}

function nextInLine(peers: readonly KubeObject[], claimed: ReadonlySet<string>, max: number) {
  return linesOf(peers).nextInLine('ns', claimed, max);
}

describe('SlotLines.judge', () => {
  it('lets an action launch while fewer than the cap are in flight, and holds it at the cap', () => {
    const candidate = action('c', 10, 'Queued');
    const running = [action('r1', 1, 'Executing'), action('r2', 2, 'Initializing')];
    expect(judgeAttemptSlot(candidate, running, none, 3)).toEqual({ verdict: 'launch' });
    expect(judgeAttemptSlot(candidate, running, none, 2)).toEqual({
      verdict: 'wait',
      inFlight: 2,
      ahead: 0,
    });
  });

  it('counts a failed attempt whose retry follows as in flight: the retry keeps its slot', () => {
    const candidate = action('c', 10, 'Queued');
    const retrying = [action('r1', 1, 'RetryableFailure')];
    expect(judgeAttemptSlot(candidate, retrying, none, 1)).toMatchObject({ verdict: 'wait' });
  });

  it('serves the line first created first: an older waiting action goes ahead, a younger one does not', () => {
    const older = action('older', 5, 'Queued');
    const younger = action('younger', 20, 'Queued');
    const candidate = action('c', 10, 'Queued');
    const peers = [action('r1', 1, 'Executing'), older, younger, candidate];
    expect(judgeAttemptSlot(candidate, peers, none, 2)).toEqual({
      verdict: 'wait',
      inFlight: 1,
      ahead: 1,
    });
    expect(judgeAttemptSlot(older, peers, none, 2)).toEqual({ verdict: 'launch' });
    expect(judgeAttemptSlot(candidate, peers, none, 3)).toEqual({ verdict: 'launch' });
    // Created in the same second: the name decides, the same way for every reconcile.
    const twin = action('b', 10, 'Queued');
    expect(judgeAttemptSlot(candidate, [twin], none, 1)).toMatchObject({ ahead: 1 });
    expect(judgeAttemptSlot(twin, [candidate], none, 1)).toEqual({ verdict: 'launch' });
  });

  it('counts a claimed action as in flight, whatever its cached status still says', () => {
    const claimedOlder = action('claimed', 1, 'Queued');
    const candidate = action('c', 10, 'Queued');
    const claimed = new Set(['ns/claimed']);
    expect(judgeAttemptSlot(candidate, [claimedOlder], claimed, 1)).toEqual({
      verdict: 'wait',
      inFlight: 1,
      ahead: 0,
    });
    // A claim on a younger action counts too: the older one arrived in the cache after it.
    const claimedYounger = action('claimed', 30, 'Queued');
    expect(judgeAttemptSlot(candidate, [claimedYounger], claimed, 1)).toMatchObject({
      verdict: 'wait',
    });
  });

  it('counts nothing that holds no Job nor waits for one: ended, a condition, being deleted, waiting for the cache, not yet queued', () => {
    const candidate = action('c', 10, 'Queued');
    const bystanders = [
      action('done', 1, 'Completed'),
      action('failed', 1, 'PermanentFailure'),
      action('cond', 1, 'Paused', { condition: true }),
      action('gone', 1, 'Queued', { deleting: true }),
      action('cached', 1, 'Queued', { message: waitingForCacheMessage('u9') }),
      action('new', 1, undefined),
    ];
    expect(judgeAttemptSlot(candidate, bystanders, none, 1)).toEqual({ verdict: 'launch' });
  });

  it('does not count the candidate itself among its peers', () => {
    const candidate = action('c', 10, 'Queued');
    expect(judgeAttemptSlot(candidate, [candidate], none, 1)).toEqual({ verdict: 'launch' });
  });
});

describe('SlotLines.nextInLine', () => {
  it('names as many of the oldest waiting actions as there are free slots', () => {
    const peers = [
      action('w3', 30, 'Queued'),
      action('w1', 10, 'Queued'),
      action('r1', 1, 'Executing'),
      action('w2', 20, 'Queued'),
    ];
    expect(nextInLine(peers, none, 3)).toEqual(['ns/w1', 'ns/w2']);
    expect(nextInLine(peers, none, 1)).toEqual([]);
    expect(nextInLine(peers, new Set(['ns/w1']), 3)).toEqual(['ns/w2']);
  });
});

describe('SlotLines over a burst of one namespace', () => {
  it('launches 3,000 actions added in shuffled order first created first, each verdict counting those ahead of it, through status changes and deletions', () => {
    const count = 3000;
    const max = 20;
    const created = Array.from({ length: count }, (_, i) => action(`a${i}`, i, 'Queued'));
    // Added in an order unrelated to creation: a relist, or watch events of many writers.
    const shuffled = created
      .map((object, i) => ({ object, sortKey: (i * 7919) % count }))
      .sort((a, b) => a.sortKey - b.sortKey)
      .map(({ object }) => object);
    const lines = linesOf(shuffled);
    const none = new Set<string>();
    const launched: string[] = [];
    const running: KubeObject[] = [];
    while (launched.length < count) {
      const next = lines.nextInLine('ns', none, max);
      expect(next.length).toBe(Math.min(max - running.length, count - launched.length));
      for (const key of next) {
        const name = key.slice('ns/'.length);
        const index = Number(name.slice(1));
        const candidate = created[index] as KubeObject;
        expect(lines.judge(candidate, none, max)).toEqual({ verdict: 'launch' });
        const executing = action(name, index, 'Executing');
        lines.set(executing);
        running.push(executing);
        launched.push(name);
      }
      // The oldest waiting action is told how many are ahead of it: none, the line is full.
      const waitingIndex = launched.length;
      if (waitingIndex < count - 1) {
        expect(lines.judge(created[waitingIndex + 1] as KubeObject, none, max)).toEqual({
          verdict: 'wait',
          inFlight: max,
          ahead: 1,
        });
      }
      // Half of those running end, the other half are deleted: each frees its slot.
      for (const [i, done] of running.splice(0, running.length).entries()) {
        const { name, creationTimestamp } = done.metadata ?? {};
        const second = (Date.parse(creationTimestamp ?? '') - now.getTime()) / 1000;
        if (i % 2 === 0) lines.set(action(name ?? '', second, 'Completed'));
        else lines.remove(done);
      }
    }
    expect(launched).toEqual(created.map((object) => object.metadata?.name));
  });
});
