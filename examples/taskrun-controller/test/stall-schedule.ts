import { setTimeout as sleep } from 'node:timers/promises';
import type { StallingProxy } from '../../../test/example-controller/crash-harness.js';

/**
 * How the API server stalls under a controller: `brief`, every byte held for up to 3 s (a
 * request, a watch, the Lease's renewal simply wait); `long`, held for 56 s, past every bound
 * the controller's client keeps (an answer's 30 s, an HTTP/2 connection's PING, 30 s + 15 s,
 * judged every 5 s, and the Lease's 10 s renew deadline), so its requests fail, its connections
 * close and its watches end, while what it sent still reaches the API server when the stall
 * ends (see stallingProxy): creates and writes that land unanswered; `slow`, for 6 s bytes pass
 * only 50 ms in every second, so every answer and watch event trickles in late.
 */
export type Stall = 'brief' | 'long' | 'slow';

const longMs = 56_000;
const slowMs = 6_000;

/** Stalls `proxy` as `kind` says, then lets it pass bytes again. */
export async function stall(
  proxy: StallingProxy,
  kind: Stall,
  random: () => number,
): Promise<void> {
  if (kind === 'slow') {
    const until = Date.now() + slowMs;
    while (Date.now() < until) {
      proxy.stall();
      await sleep(950);
      proxy.resume();
      await sleep(50);
    }
    return;
  }
  proxy.stall();
  try {
    await sleep(kind === 'long' ? longMs : 300 + random() * 2_700);
  } finally {
    proxy.resume();
  }
}

/**
 * Where a round's stall lands in the life of the work it brings: `create`, as it arrives (the
 * controller's creates, and the writes before them, held); `recorded`, once the first thing it
 * runs (a Pod, a Job) exists (the create's answer and the status write recording it held);
 * `running`, as what runs ends (the controller's watch events held, or with a long stall its
 * watch ended).
 */
export type Point = 'create' | 'recorded' | 'running';

/** A campaign's rounds: every point meets every kind of stall once. */
export const stallSchedule: readonly (readonly [Point, Stall])[] = [
  ['create', 'brief'],
  ['recorded', 'slow'],
  ['running', 'long'],
  ['create', 'slow'],
  ['recorded', 'long'],
  ['running', 'brief'],
  ['create', 'long'],
  ['recorded', 'brief'],
  ['running', 'slow'],
];

/** The levels of the controllers' JSON logs (level names, see createLogger) a stall shows in. */
const complaints: ReadonlySet<unknown> = new Set(['warn', 'error', 'fatal']);

/**
 * What a controller logged of the stalls, for a campaign's report: each warning or error
 * message with how often it came, so a run shows which of the controller's bounds the stalls
 * reached (an answer's timeout, a watch ended, the Lease lost).
 */
export function stallsFelt(lines: readonly Record<string, unknown>[]): Record<string, number> {
  const felt: Record<string, number> = {};
  for (const line of lines) {
    if (!complaints.has(line.level)) continue;
    const key = `${line.msg}${line.reason === undefined ? '' : ` (${String(line.reason)})`}`;
    felt[key] = (felt[key] ?? 0) + 1;
  }
  return felt;
}
