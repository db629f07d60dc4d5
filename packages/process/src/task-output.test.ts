import type { LogLine } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import type { LogStream } from './log-tail.js';
import { type LogRead, type OutputSource, taskOutput } from './task-output.js';

/**
 * A task's streams in memory: `write` appends, `drop` forgets the oldest bytes as a rotation
 * does, `end` ends the task. Reads answer as the supervisor's do.
 */
function fakeTask() {
  const text: Record<LogStream, string> = { stdout: '', stderr: '' };
  const dropped: Record<LogStream, number> = { stdout: 0, stderr: 0 };
  let ended = false;
  let gone = false;
  /** What happens before each poll of a follow (`ended` is asked once a poll). */
  const beforePolls: (() => void)[] = [];
  const source: OutputSource = {
    async read(stream, range): Promise<LogRead | undefined> {
      if (gone) return undefined;
      const size = dropped[stream] + text[stream].length;
      const wanted = range.from ?? Math.max(0, size - range.limitBytes);
      const from = Math.max(wanted, dropped[stream]);
      const to = Math.min(size, from + range.limitBytes);
      const content = text[stream].slice(from - dropped[stream], to - dropped[stream]);
      return { content, size, truncated: from > (range.from ?? 0), offset: from, end: to };
    },
    async ended() {
      beforePolls.shift()?.();
      return ended;
    },
  };
  return {
    source,
    beforePolls,
    write: (stream: LogStream, more: string) => {
      text[stream] += more;
    },
    drop: (stream: LogStream, bytes: number) => {
      text[stream] = text[stream].slice(bytes);
      dropped[stream] += bytes;
    },
    end: () => {
      ended = true;
    },
    remove: () => {
      gone = true;
    },
  };
}

async function collect(lines: AsyncIterable<LogLine>, onLine?: (line: LogLine) => void) {
  const seen: string[] = [];
  for await (const line of lines) {
    seen.push(`${line.source}: ${line.text}`);
    onLine?.(line);
  }
  return seen;
}

describe("a task's output", () => {
  it('is its stdout, then its stderr, each line once', async () => {
    const task = fakeTask();
    task.write('stdout', 'one\ntwo\nno newline');
    task.write('stderr', 'oops\n');
    expect(await collect(taskOutput('t1', task.source))).toEqual([
      't1/stdout: one',
      't1/stdout: two',
      't1/stdout: no newline',
      't1/stderr: oops',
    ]);
  });

  it('keeps the last lines of each stream with tailLines', async () => {
    const task = fakeTask();
    task.write('stdout', 'one\ntwo\nthree\n');
    task.write('stderr', 'a\nb\n');
    expect(await collect(taskOutput('t1', task.source, { tailLines: 1 }))).toEqual([
      't1/stdout: three',
      't1/stderr: b',
    ]);
    expect(await collect(taskOutput('t1', task.source, { tailLines: 0 }))).toEqual([]);
  });

  it('leaves out the line a read cut at its start', async () => {
    const task = fakeTask();
    task.write('stdout', `${'x'.repeat(2 * 1024 * 1024)}\nlast\n`);
    expect(await collect(taskOutput('t1', task.source))).toEqual(['t1/stdout: last']);
  });
});

describe("a task's output, followed", () => {
  it('gives each new line once as it comes, until the task has ended and all is read', async () => {
    const task = fakeTask();
    task.write('stdout', 'before\n');
    task.beforePolls.push(
      () => task.write('stdout', 'half a li'),
      () => task.write('stdout', 'ne\n'),
      () => task.write('stderr', 'err\n'),
      () => {
        task.write('stdout', 'last, no newline');
        task.end();
      },
    );
    const seen = await collect(taskOutput('t1', task.source, { follow: true, pollIntervalMs: 1 }));
    expect(seen).toEqual([
      't1/stdout: before',
      't1/stdout: half a line',
      't1/stderr: err',
      't1/stdout: last, no newline',
    ]);
  });

  it('starts from the last lines with tailLines, and reads on from there', async () => {
    const task = fakeTask();
    task.write('stdout', 'one\ntwo\n');
    const lines = taskOutput('t1', task.source, { follow: true, tailLines: 1, pollIntervalMs: 1 });
    const seen = await collect(lines, () => {
      task.write('stdout', 'three\n');
      task.end();
    });
    expect(seen).toEqual(['t1/stdout: two', 't1/stdout: three']);
  });

  it('says when output was rotated away before it was read', async () => {
    const task = fakeTask();
    task.write('stdout', 'first\n');
    const lines = taskOutput('t1', task.source, { follow: true, pollIntervalMs: 1 });
    const seen = await collect(lines, (line) => {
      if (line.text !== 'first') return;
      task.write('stdout', 'lost\nkept\n');
      task.drop('stdout', 11);
      task.end();
    });
    expect(seen).toEqual([
      't1/stdout: first',
      't1/stdout: [... 5 bytes of output were no longer kept when read ...]',
      't1/stdout: kept',
    ]);
  });

  it('ends when the task is gone, and when the signal fires', async () => {
    const task = fakeTask();
    task.write('stdout', 'only\n');
    const gone = taskOutput('t1', task.source, { follow: true, pollIntervalMs: 1 });
    expect(await collect(gone, () => task.remove())).toEqual(['t1/stdout: only']);

    const running = fakeTask();
    const stop = new AbortController();
    const followed = taskOutput('t2', running.source, {
      follow: true,
      pollIntervalMs: 1,
      signal: stop.signal,
    });
    setTimeout(() => stop.abort(), 20);
    expect(await collect(followed)).toEqual([]);
  });
});
