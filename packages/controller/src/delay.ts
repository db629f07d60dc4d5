import { setTimeout as sleep } from 'node:timers/promises';

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
export async function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch {
    // Only an abort rejects, and an abort just ends the wait early.
  }
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
