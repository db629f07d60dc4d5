import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { requestRefusal, withoutRequestGate, withRequestGate } from './request-gate.js';

describe('request gates', () => {
  const refusal = new Error('refused');

  it('let everything through outside any gate', () => {
    expect(requestRefusal()).toBeUndefined();
  });

  it('follow the work across awaits, timers and what it starts, asking the gate at each request', async () => {
    let open = true;
    const seen: (Error | undefined)[] = [];
    const started = withRequestGate(
      () => (open ? undefined : refusal),
      async () => {
        seen.push(requestRefusal());
        await sleep(1);
        open = false;
        seen.push(requestRefusal());
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            seen.push(requestRefusal());
            resolve();
          }, 1),
        );
      },
    );
    expect(requestRefusal()).toBeUndefined();
    await started;
    expect(seen).toEqual([undefined, refusal, refusal]);
  });

  it('are left by work that answers to none', async () => {
    const inside = await withRequestGate(
      () => refusal,
      () =>
        withoutRequestGate(async () => {
          await sleep(1);
          return requestRefusal();
        }),
    );
    expect(inside).toBeUndefined();
  });

  it('hold for clients loaded through another copy of the package', async () => {
    vi.resetModules();
    const other = await import('./request-gate.js');
    expect(other.withRequestGate).not.toBe(withRequestGate);
    expect(
      withRequestGate(
        () => refusal,
        () => other.requestRefusal(),
      ),
    ).toBe(refusal);
  });
});
