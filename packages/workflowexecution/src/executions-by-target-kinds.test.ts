import { describe, expect, it } from 'vitest';
import { rolloutsDiscovery } from './discovery.test-support.js';
import { ExecutionsByTarget } from './executions-by-target.js';
import { execution, following, gate } from './executions-by-target.test-support.js';
import { kindTableOf } from './kind-table.js';

/** Discovery after Argo Rollouts was installed: `ro` is a Rollout. */
const withRollouts = kindTableOf(rolloutsDiscovery(true));

const now = new Date('2026-11-30T10:05:00Z');
const never = new AbortController().signal;

describe('ExecutionsByTarget.useKinds', () => {
  it("names a running execution on a custom kind's short name once discovery joined it", () => {
    const targets = following([
      execution('kind', 'Running', { engine: 'job', target: 'prod/Rollout/app' }),
    ]);
    const short = { uid: 'short', target: 'prod/ro/app', engine: 'job' };
    expect(targets.heldByAnother(short)).toBeUndefined();
    targets.useKinds(withRollouts);
    expect(targets.heldByAnother(short)).toEqual({
      name: 'kind',
      namespace: 'team-a',
      resourceName: 'wfe-0123456789abcdef',
    });
  });

  it('cools the target down after either spelling, the latest of both records counting', () => {
    const targets = following([
      execution('short', 'Completed', {
        target: 'prod/ro/app',
        completionTime: '2026-11-30T10:03:00Z',
      }),
      execution('plural', 'Completed', {
        target: 'prod/rollouts/app',
        completionTime: '2026-11-30T10:01:00Z',
      }),
    ]);
    const self = { uid: 'new', target: 'prod/Rollout/app' };
    expect(targets.cooldownBlocking(self, 5 * 60_000, now)).toMatchObject({
      name: 'team-a/plural',
    });
    targets.useKinds(withRollouts);
    expect(targets.cooldownBlocking(self, 5 * 60_000, now)).toEqual({
      name: 'team-a/short',
      remainingMs: 3 * 60_000,
    });
  });

  it("keeps a start's claim and wakes the waiters of both spellings on a release", () => {
    const targets = following([
      execution('first', 'Pending', { engine: 'job', target: 'prod/ro/app', ran: false }),
      execution('waiting', 'Pending', { target: 'prod/rollouts/app', ran: false }),
    ]);
    targets.claim(
      { namespace: 'team-a', name: 'first', uid: 'first', target: 'prod/ro/app' },
      'wfe-aaaaaaaaaaaaaaaa',
    );
    targets.useKinds(withRollouts);
    expect(
      targets.heldByAnother({ uid: 'other', target: 'prod/Rollout/app', engine: 'job' }),
    ).toMatchObject({ name: 'first', resourceName: 'wfe-aaaaaaaaaaaaaaaa' });
    const released = execution('first', 'Completed', { target: 'prod/ro/app', released: true });
    targets.upsert(released);
    expect(targets.keysToWake(released)).toEqual(['team-a/first', 'team-a/waiting']);
  });

  it('makes a start on one spelling wait for a start queued on the other before discovery joined them', async () => {
    const targets = new ExecutionsByTarget();
    const created = gate();
    const order: string[] = [];
    const first = targets.exclusiveStart('prod/ro/app', never, async () => {
      order.push('short name starts');
      await created.opened;
      order.push('short name created');
    });
    targets.useKinds(withRollouts);
    const second = targets.exclusiveStart('prod/Rollout/app', never, async () => {
      order.push('kind starts');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual(['short name starts']);
    created.open();
    await Promise.all([first, second]);
    expect(order).toEqual(['short name starts', 'short name created', 'kind starts']);
  });

  it.each([
    ['the short name', 'the kind'],
    ['the kind', 'the short name'],
  ])(
    'makes a start after discovery joined two spellings wait for the starts queued on both (%s done first)',
    async (firstDone, lastDone) => {
      const targets = new ExecutionsByTarget();
      const finish = new Map<string, () => void>();
      const holding = (name: string) => async () =>
        new Promise<void>((resolve) => {
          finish.set(name, resolve);
        });
      const queued = [
        targets.exclusiveStart('prod/ro/app', never, holding('the short name')),
        targets.exclusiveStart('prod/Rollout/app', never, holding('the kind')),
      ];
      // Two keys before discovery lists `ro`: both run at once.
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect([...finish.keys()].toSorted()).toEqual(['the kind', 'the short name']);
      targets.useKinds(withRollouts);
      let thirdRan = false;
      const third = targets.exclusiveStart('prod/rollouts/app', never, async () => {
        thirdRan = true;
      });
      finish.get(firstDone)?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(thirdRan).toBe(false);
      finish.get(lastDone)?.();
      await Promise.all([...queued, third]);
      expect(thirdRan).toBe(true);
    },
  );

  it('drops the namespace before a kind the operator lists, by any name discovery joins to it', () => {
    const targets = new ExecutionsByTarget({ clusterScopedKinds: ['Rollout'] });
    targets.upsert(execution('a', 'Running', { engine: 'job', target: 'team-a/ro/app' }));
    targets.useKinds(withRollouts);
    expect(
      targets.heldByAnother({ uid: 'b', target: 'team-b/rollouts/app', engine: 'job' }),
    ).toMatchObject({ name: 'a' });
  });
});
