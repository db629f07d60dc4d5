import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, LogOptions } from '@roundhouse/core';
import { TaskExecutorResponseError } from './agent-client-errors.js';
import { type LogStream, type LogTail, maxLogBytes } from './log-tail.js';

/** A read of a task's stream, and where its content lies in it when the backend says. */
export type LogRead = LogTail & {
  readonly offset?: number | undefined;
  readonly end?: number | undefined;
};

/** What reading a task's output needs of where the task lives. */
export interface OutputSource {
  /** A read of the stream: its tail, or with `from` on from there; undefined once it is gone. */
  read(
    stream: LogStream,
    range: { readonly from?: number | undefined; readonly limitBytes: number },
    signal: AbortSignal | undefined,
  ): Promise<LogRead | undefined>;
  /** Whether the task has ended or is gone, so its output will not grow. */
  ended(signal: AbortSignal | undefined): Promise<boolean>;
}

/** Where a followed stream's next read starts, and the line it has begun. */
interface Followed {
  position: number;
  partial: string;
}

const streams: readonly LogStream[] = ['stdout', 'stderr'];

/** How often a followed task is read again, by default. */
const defaultPollIntervalMs = 1_000;

/**
 * A task's output as lines, each from `<task>/stdout` or `<task>/stderr`. Without `follow`,
 * the kept output of stdout, then of stderr: a read holds the newest 1 MiB of each at most,
 * and a line it cut is left out. With it, every new line of both once, in the order of the
 * reads, each read starting where the last ended, until the task has ended or is gone and
 * everything it wrote was read; output rotated away before it was read is said in a line of
 * its own. `tailLines` starts each stream with its last lines (none for 0).
 */
export async function* taskOutput(
  name: string,
  source: OutputSource,
  options: LogOptions & { readonly pollIntervalMs?: number | undefined } = {},
): AsyncGenerator<LogLine> {
  const { signal, tailLines } = options;
  const sourceOf = (stream: LogStream) => `${name}/${stream}`;
  if (!options.follow) {
    for (const stream of streams) {
      const tail = await source.read(stream, { limitBytes: maxLogBytes }, signal);
      if (!tail) return;
      for (const text of lastLines(tailLines, wholeLines(tail))) {
        yield { source: sourceOf(stream), text };
      }
    }
    return;
  }
  const followed = new Map<LogStream, Followed>();
  for (const stream of streams) {
    if (tailLines === undefined) {
      followed.set(stream, { position: 0, partial: '' });
      continue;
    }
    const tail = await source.read(stream, { limitBytes: maxLogBytes }, signal);
    if (!tail) return;
    const lines = wholeLines(tail);
    const partial = tail.content.endsWith('\n') ? '' : (lines.pop() ?? '');
    for (const text of lastLines(tailLines, lines)) yield { source: sourceOf(stream), text };
    followed.set(stream, { position: positionsOf(tail).end, partial });
  }
  while (!signal?.aborted) {
    // Asked before the reads: what they find after the task ended is all there will be.
    const done = await source.ended(signal);
    for (const stream of streams) {
      const state = followed.get(stream) as Followed;
      for (;;) {
        const range = { from: state.position, limitBytes: maxLogBytes };
        const read = await source.read(stream, range, signal);
        if (!read) {
          yield* rest(followed, sourceOf);
          return;
        }
        const { offset, end } = positionsOf(read);
        if (read.truncated) {
          const text = `[... ${offset - state.position} bytes of output were no longer kept when read ...]`;
          yield { source: sourceOf(stream), text };
          state.partial = '';
        }
        const lines = `${state.partial}${read.content}`.split('\n');
        state.partial = lines.pop() ?? '';
        for (const text of lines) yield { source: sourceOf(stream), text };
        state.position = end;
        if (read.content === '' || end >= read.size) break;
      }
    }
    if (done) {
      yield* rest(followed, sourceOf);
      return;
    }
    const interval = options.pollIntervalMs ?? defaultPollIntervalMs;
    await sleep(interval, undefined, { signal }).catch(() => undefined);
  }
}

/** The lines of a read, without the one its start cut (a tail that left earlier output out). */
function wholeLines(read: LogTail): string[] {
  if (read.content === '') return [];
  const lines = read.content.split('\n');
  if (read.content.endsWith('\n')) lines.pop();
  return read.truncated && lines.length > 1 ? lines.slice(1) : lines;
}

function lastLines(count: number | undefined, lines: string[]): string[] {
  if (count === undefined) return lines;
  return count <= 0 ? [] : lines.slice(-count);
}

/** The last line of each stream that never got its newline, once nothing more will come. */
function* rest(
  followed: ReadonlyMap<LogStream, Followed>,
  sourceOf: (stream: LogStream) => string,
): Generator<LogLine> {
  for (const [stream, { partial }] of followed) {
    if (partial !== '') yield { source: sourceOf(stream), text: partial };
  }
}

function positionsOf(read: LogRead): { offset: number; end: number } {
  if (read.offset === undefined || read.end === undefined) {
    throw new TaskExecutorResponseError(
      'GET /tasks/{name}/logs',
      'the agent does not say where its log content lies (offset, end), which following needs; upgrade roundhouse-task-executor',
    );
  }
  return { offset: read.offset, end: read.end };
}
