import type { Logger } from '@roundhouse/core';
import { expect, vi } from 'vitest';
import { waitingForCacheLog } from '../src/cache-gate.js';

/**
 * The controller's logger in the tests: it keeps when each reconcile looked at the cache and
 * was left waiting (`waitingForCacheLog`, which the controller logs with the action's key), so a
 * test can wait until a waiter really looked rather than sleep and hope it did.
 */
export class CacheLooks implements Logger {
  readonly #looks: { readonly key: unknown; readonly at: number }[] = [];

  debug(fields: Record<string, unknown>, message: string) {
    if (message === waitingForCacheLog) this.#looks.push({ key: fields.key, at: Date.now() });
  }
  info() {}
  warn() {}
  error() {}

  /**
   * The looks of `key` that began at `since` (ms since the epoch) or later. A look is logged as
   * it ends: the first logged after `since` may have read the reservation before it, and is not
   * counted.
   */
  since(key: string, since: number): number {
    const logged = this.#looks.filter((look) => look.key === key && look.at >= since).length;
    return Math.max(0, logged - 1);
  }
}

/**
 * Waits until `key` has looked at the cache and kept waiting `count` times since `since`, so
 * the check after it judges what the waiter decided then, however late a loaded machine let its
 * reconciles run. Returns early when `ranBeside` finds the waiter did not wait (a Job, a
 * reservation taken), for that check to fail on it; fails with the count it saw when neither
 * comes within `patience`.
 */
export async function waitForCacheLooks(
  looks: CacheLooks,
  key: string,
  { since, count }: { since: number; count: number },
  ranBeside: () => Promise<boolean>,
  patience: { timeout: number; interval: number },
): Promise<void> {
  await vi.waitFor(async () => {
    if (await ranBeside()) return;
    expect(
      looks.since(key, since),
      `${key} looked at the cache and waited fewer than ${count} times since ${new Date(since).toISOString()}`,
    ).toBeGreaterThanOrEqual(count);
  }, patience);
}
