import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
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
  });
});

function progressingOf(action: Awaited<ReturnType<typeof read>>) {
  return action?.status.conditions?.find((c) => c.type === 'Progressing');
}
