import { describe, expect, it, vi } from 'vitest';
import { LeaseLostWhileReconcilingError, leadUntilStopped } from './lead-until-stopped.js';
import type { LeaderCallbacks } from './leader-election.js';

/** An elector that leads at once and loses the lease as soon as the controller started. */
function losingElector(onLost: (term: number) => void = () => {}) {
  let term = 0;
  return {
    run: vi.fn(async (_signal: AbortSignal, callbacks: LeaderCallbacks) => {
      term += 1;
      const leading = new AbortController();
      const started = callbacks.onStartedLeading(leading.signal, new AbortController().signal);
      leading.abort(new Error('lease lost'));
      await started;
      onLost(term);
    }),
  };
}

describe('leadUntilStopped', () => {
  it('rejects, naming the keys, when the lease was lost while reconciles that ignored their signal still run', async () => {
    const controller = { start: vi.fn(async () => {}), reconciling: ['team-a/stuck'] };
    const elector = losingElector();
    const error = await leadUntilStopped(elector, controller, new AbortController().signal).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LeaseLostWhileReconcilingError);
    expect(error).toMatchObject({
      reason: 'LeaseLostWhileReconciling',
      keys: ['team-a/stuck'],
      message: expect.stringContaining('lost the lease while team-a/stuck still reconcile'),
    });
    // It does not compete again: another replica may be reconciling team-a/stuck meanwhile.
    expect(elector.run).toHaveBeenCalledTimes(1);
  });

  it('competes again after a lost lease once nothing of its leadership runs any more', async () => {
    const stop = new AbortController();
    const controller = { start: vi.fn(async () => {}), reconciling: [] as string[] };
    const elector = losingElector((term) => {
      if (term === 3) stop.abort();
    });
    await leadUntilStopped(elector, controller, stop.signal);
    expect(elector.run).toHaveBeenCalledTimes(3);
    expect(controller.start).toHaveBeenCalledTimes(3);
  });

  it('resolves on a stop (SIGTERM) even with reconciles still running: the process ends anyway', async () => {
    const stop = new AbortController();
    const controller = { start: vi.fn(async () => {}), reconciling: ['team-a/stuck'] };
    const elector = losingElector(() => stop.abort());
    await expect(leadUntilStopped(elector, controller, stop.signal)).resolves.toBeUndefined();
  });
});
