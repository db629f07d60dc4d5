/*
 * The lines of a pod log read with `timestamps=true`: each line's time as the container runtime
 * recorded it, split from the text, and which lines a re-open returns again. A followed log is
 * re-opened from its last line's second (`sinceTime`), so these decide what is delivered once.
 */

/** RFC3339 with an optional fraction, as the kubelet writes and reads log timestamps. */
const stampPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** A log timestamp as nanoseconds since the epoch (a JS Date keeps only milliseconds). */
export function parseLogTimestamp(raw: string): bigint | undefined {
  const match = stampPattern.exec(raw);
  if (!match) return undefined;
  const [, seconds, fraction = '', zone] = match;
  const ms = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

/**
 * The `sinceTime` that re-reads from a line's time: RFC3339 in UTC, rounded down to the second,
 * since the API server passes `sinceTime` on to the kubelet with whole seconds only. The lines of
 * that second that were delivered already come back and are dropped (`admit`).
 */
export function sinceTimeOf(at: bigint): string {
  return new Date(Number(at / 1_000_000_000n) * 1_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A runtime splits a long line into entries of a fixed size (16 KiB in containerd and Docker)
 * and the kubelet puts a timestamp before each entry, so with `timestamps=true` a long line has
 * timestamps inside it (kubernetes/kubernetes#77603). One is taken for such a cut only in the
 * kubelet's exact format (nine fraction digits, then a space), after at least this many bytes
 * of text, and no earlier than the timestamp before it: a time the program printed itself was
 * taken before its line was written, so it is earlier than the line's own.
 */
const minPartialBytes = 1_024;
const embeddedStamp = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}(?:Z|[+-]\d{2}:\d{2})) /g;

/**
 * A line of a log read with `timestamps=true`: its time (undefined when it has none, e.g. a
 * kubelet's own error text) and the container's text without the timestamps.
 */
export function splitTimestamp(line: string): { timestamp: bigint | undefined; text: string } {
  const space = line.indexOf(' ');
  const timestamp = parseLogTimestamp(space < 0 ? line : line.slice(0, space));
  if (timestamp === undefined) return { timestamp, text: line };
  const text = space < 0 ? '' : line.slice(space + 1);
  // A UTF-16 unit is at most 3 bytes of UTF-8: shorter text cannot hold a cut.
  return {
    timestamp,
    text: text.length * 3 > minPartialBytes ? joinEntries(text, timestamp) : text,
  };
}

function joinEntries(text: string, lineAt: bigint): string {
  let joined = '';
  let from = 0;
  let previous = lineAt;
  for (const match of text.matchAll(embeddedStamp)) {
    const at = parseLogTimestamp(match[1] as string);
    if (at === undefined || at < previous) continue;
    if (Buffer.byteLength(text.slice(from, match.index)) < minPartialBytes) continue;
    joined += text.slice(from, match.index);
    from = match.index + match[0].length;
    previous = at;
  }
  return from === 0 ? text : joined + text.slice(from);
}

// --- What was delivered ------------------------------------------------------------------

/** How far a follow has delivered: the last line's time and how many delivered lines carry exactly it. */
export interface FollowPosition {
  readonly last: bigint | undefined;
  readonly count: number;
}

export const startPosition: FollowPosition = { last: undefined, count: 0 };

/** One open's pass over what it returns again: the position it started from, lines skipped at it. */
export interface Replay {
  readonly position: FollowPosition;
  readonly skipped: number;
  readonly replaying: boolean;
}

export function replayFrom(position: FollowPosition): Replay {
  return { position, skipped: 0, replaying: position.last !== undefined };
}

/**
 * Whether a line an open returned is new, and the state after it. A re-open starts at the
 * second of the last delivered line: what comes before that line's time was delivered, and so
 * were the first `count` lines at exactly that time (several lines can share a nanosecond).
 * The first new line ends the replay; every line after it is new, even one whose time went
 * back (a clock step on the node). A line without a timestamp is always delivered.
 */
export function admit(
  replay: Replay,
  at: bigint | undefined,
): { deliver: boolean; replay: Replay } {
  if (at === undefined) return { deliver: true, replay };
  const { position } = replay;
  if (replay.replaying && position.last !== undefined) {
    if (at < position.last) return { deliver: false, replay };
    if (at === position.last && replay.skipped < position.count) {
      return { deliver: false, replay: { ...replay, skipped: replay.skipped + 1 } };
    }
  }
  const next =
    at === position.last ? { last: at, count: position.count + 1 } : { last: at, count: 1 };
  return { deliver: true, replay: { position: next, skipped: 0, replaying: false } };
}
