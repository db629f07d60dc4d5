import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { taskActions } from '../src/resource.js';
import {
  apply,
  finishPod,
  jobsOf,
  patience,
  read,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

/**
 * `--max-attempts-per-namespace`: one author's actions take no more than the cap of the execution
 * namespace's Jobs at once, the rest wait their turn, and a restarted controller counts what
 * the statuses show.
 */
describeWithControlPlane('TaskAction controller: attempts in flight per namespace', () => {
  const fixture = useController('ta-cap', { maxAttemptsPerNamespace: 1 });
  const { env, client, start, stop } = fixture;

  const jobs = (name: string) => jobsOf(client(), fixture.executionNamespace, `${name}-0`);

  /** Waits until `name` is Queued waiting for a slot, with no Job. */
  const waitsForSlot = (name: string) =>
    vi.waitFor(async () => {
      const progressing = progressingOf(await read(client(), env.namespace, name));
      expect(progressing).toMatchObject({ reason: 'Queued' });
      expect(progressing?.message).toMatch(/^WaitingForAttemptSlot: /);
      expect(await jobs(name)).toHaveLength(0);
    }, patience);

  it('runs one attempt of the namespace at a time, first created first, and counts from the statuses after a restart', async () => {
    await start();
    // Created in this order, as their names sort too: first created first either way.
    const first = 'cap-a';
    const second = 'cap-b';
    const third = 'cap-c';
    for (const name of [first, second, third]) {
      await apply(client(), env.namespace, taskAction({}, name));
    }
    await waitForPhase(client(), env.namespace, first, 'Executing');
    await waitsForSlot(second);
    await waitsForSlot(third);

    // A controller that counted in memory would start both waiting actions now.
    await stop();
    await start();
    await finishPod(client(), fixture.executionNamespace, `${first}-0`, 0);
    await waitForPhase(client(), env.namespace, first, 'Completed');
    await waitForPhase(client(), env.namespace, second, 'Executing');
    expect(await jobs(third)).toHaveLength(0);
    expect(progressingOf(await read(client(), env.namespace, third))?.reason).toBe('Queued');

    await finishPod(client(), fixture.executionNamespace, `${second}-0`, 0);
    await waitForPhase(client(), env.namespace, third, 'Executing');
    // Ended, so the next test has the namespace's slots to itself.
    await finishPod(client(), fixture.executionNamespace, `${third}-0`, 0);
    await waitForPhase(client(), env.namespace, third, 'Completed');
  });

  it('runs the children a parent deleted with --cascade=orphan left queued, and the actions behind them', async () => {
    await start({ maxAttemptsPerNamespace: 2 });
    const parent = taskAction({ actionName: 'orph-p' }, 'orph-p');
    const blocker = 'orph-blocker';
    await apply(client(), env.namespace, parent);
    await waitForPhase(client(), env.namespace, 'orph-p', 'Executing');
    await apply(client(), env.namespace, taskAction({}, blocker));
    await waitForPhase(client(), env.namespace, blocker, 'Executing');
    const children = ['orph-c1', 'orph-c2'];
    for (const name of children) {
      await apply(client(), env.namespace, taskAction({ parentActionName: 'orph-p' }, name));
    }
    const later = 'orph-later';
    await apply(client(), env.namespace, taskAction({}, later));
    for (const name of children) await waitsForSlot(name);
    await waitsForSlot(later);

    // `kubectl delete --cascade=orphan` of the parent: it goes, aborted, its slot freed, and the
    // garbage collector strips the children's owner references. Stripped here as the collector
    // does, once the parent is being deleted: a collector that has not yet discovered a CRD this
    // new (it looks every 30 s) would leave them to delete as dangling.
    await client().delete(taskActions, env.namespace, 'orph-p', { propagationPolicy: 'Orphan' });
    for (const name of children) {
      await client().patch(taskActions, env.namespace, name, {
        metadata: { ownerReferences: null },
      });
    }
    await vi.waitFor(
      async () => expect(await read(client(), env.namespace, 'orph-p')).toBeNull(),
      patience,
    );
    // Queued children that waited for their gone parent ahead of the slot gate would hold the
    // head of the line for ever.
    await finishPod(client(), fixture.executionNamespace, `${blocker}-0`, 0);
    for (const name of children) await waitForPhase(client(), env.namespace, name, 'Executing');
    expect(await jobs(later)).toHaveLength(0);
    await finishPod(client(), fixture.executionNamespace, 'orph-c1-0', 0);
    await waitForPhase(client(), env.namespace, later, 'Executing');
  });
});

function progressingOf(action: Awaited<ReturnType<typeof read>>) {
  return action?.status.conditions?.find((c) => c.type === 'Progressing');
}
