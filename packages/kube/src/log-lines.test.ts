import { describe, expect, it } from 'vitest';
import {
  admit,
  type FollowPosition,
  parseLogTimestamp,
  replayFrom,
  sinceTimeOf,
  splitTimestamp,
  startPosition,
} from './log-lines.js';

const ns = (stamp: string) => parseLogTimestamp(stamp) as bigint;

describe('log timestamps', () => {
  it('reads the kubelet format to the nanosecond, in any zone', () => {
    expect(parseLogTimestamp('2026-01-01T00:00:05.123456789Z')).toBe(1767225605123456789n);
    expect(parseLogTimestamp('2026-01-01T02:00:05.123456789+02:00')).toBe(1767225605123456789n);
    expect(parseLogTimestamp('2026-01-01T00:00:05Z')).toBe(1767225605000000000n);
    expect(parseLogTimestamp('2026-01-01T00:00:05.5Z')).toBe(1767225605500000000n);
    expect(parseLogTimestamp('2026-13-01T00:00:05Z')).toBeUndefined();
    expect(parseLogTimestamp('hello')).toBeUndefined();
  });

  it('asks for sinceTime in whole UTC seconds, rounded down', () => {
    expect(sinceTimeOf(ns('2026-01-01T00:00:05.999999999Z'))).toBe('2026-01-01T00:00:05Z');
    expect(sinceTimeOf(ns('2026-01-01T02:00:05.000000000+02:00'))).toBe('2026-01-01T00:00:05Z');
  });

  it("splits a line into its time and the container's text", () => {
    expect(splitTimestamp('2026-01-01T00:00:05.000000001Z hello world')).toEqual({
      timestamp: 1767225605000000001n,
      text: 'hello world',
    });
    expect(splitTimestamp('2026-01-01T00:00:05.000000001Z ')).toEqual({
      timestamp: 1767225605000000001n,
      text: '',
    });
    // The kubelet's own complaint comes as a 200 without a timestamp: handed out as it is.
    expect(splitTimestamp('unable to retrieve container logs for containerd://abc')).toEqual({
      timestamp: undefined,
      text: 'unable to retrieve container logs for containerd://abc',
    });
  });

  it('joins a long line the runtime cut into entries, but keeps a time the program printed', () => {
    const part = 'x'.repeat(16_384);
    const line = `2026-01-01T00:00:05.000000001Z ${part}2026-01-01T00:00:05.000000002Z ${part}2026-01-01T00:00:05.000000003Z end`;
    expect(splitTimestamp(line).text).toBe(`${part}${part}end`);
    // Earlier than the line's own time, or after a short piece: the program's text.
    const printed = `2026-01-01T00:00:05.000000001Z ${part}2026-01-01T00:00:04.000000000Z done`;
    expect(splitTimestamp(printed).text).toBe(`${part}2026-01-01T00:00:04.000000000Z done`);
    const short = `2026-01-01T00:00:05.000000001Z at 2026-01-01T00:00:06.000000000Z ${part}`;
    expect(splitTimestamp(short).text).toBe(`at 2026-01-01T00:00:06.000000000Z ${part}`);
  });
});

describe('admit', () => {
  /** The lines of `stamps` a follow at `position` hands out, and where it ends. */
  function pass(position: FollowPosition, stamps: (string | undefined)[]) {
    let replay = replayFrom(position);
    const delivered: number[] = [];
    stamps.forEach((stamp, index) => {
      const admitted = admit(replay, stamp === undefined ? undefined : ns(stamp));
      replay = admitted.replay;
      if (admitted.deliver) delivered.push(index);
    });
    return { delivered, position: replay.position };
  }
  const t = (n: number) => `2026-01-01T00:00:05.00000000${n}Z`;

  it('hands out every line of a first open', () => {
    expect(pass(startPosition, [t(1), t(1), t(2)])).toEqual({
      delivered: [0, 1, 2],
      position: { last: ns(t(2)), count: 1 },
    });
  });

  it('drops what a re-open returns again, down to lines that share a time', () => {
    const first = pass(startPosition, [t(1), t(2), t(2)]);
    expect(first.position).toEqual({ last: ns(t(2)), count: 2 });
    // The re-open returns the whole second: two lines at t(2) were delivered, the third is new.
    const again = pass(first.position, [t(0), t(1), t(2), t(2), t(2), t(3)]);
    expect(again).toEqual({ delivered: [4, 5], position: { last: ns(t(3)), count: 1 } });
  });

  it('hands out everything after the first new line, even a time that went back', () => {
    const position = { last: ns(t(5)), count: 1 };
    expect(pass(position, [t(5), t(6), t(4)]).delivered).toEqual([1, 2]);
    // A line without a time says nothing about the replay: handed out.
    expect(pass(position, [undefined, t(5), t(6)]).delivered).toEqual([0, 2]);
  });
});
