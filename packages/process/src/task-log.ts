import { open, readFile, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { type LogStream, type LogTail, trimPartialCharacter } from './log-tail.js';

/**
 * A task's stdout or stderr, bounded on disk. The task appends to `<stream>.log` (opened
 * O_APPEND); once that holds more than `keepBytes`, `rotateTaskLog` copies its last `keepBytes`
 * to `<stream>.log.1`, records in `<stream>.log.start` where the live file now begins in the
 * stream, and empties the live file, where the task's next write lands at its start. So the
 * last `keepBytes` to twice that of a stream are kept, and what the task writes in the moment
 * between a rotation's copy and its emptying is lost. A position in a stream counts every byte
 * the task wrote, kept or not, across rotations, except those lost bytes: the copy and the
 * position recorded are of the file as it was measured, and the kept copy must end where the
 * live file begins.
 */
interface LogPaths {
  readonly live: string;
  readonly previous: string;
  readonly start: string;
}

/** A read of a stream: its content, and where that lies in the stream. */
export type TaskLogRead = LogTail & { readonly offset: number; readonly end: number };

export function taskLogPaths(directory: string, stream: LogStream): LogPaths {
  const live = join(directory, `${stream}.log`);
  return { live, previous: `${live}.1`, start: `${live}.start` };
}

/**
 * Rotates the stream when its live file holds more than `keepBytes`; whether it did. Call it
 * only where nothing reads or rotates the same task at once.
 */
export async function rotateTaskLog(
  directory: string,
  stream: LogStream,
  keepBytes: number,
): Promise<boolean> {
  const paths = taskLogPaths(directory, stream);
  const size = await sizeOf(paths.live);
  if (size <= keepBytes) return false;
  const start = await startOf(paths.start);
  const kept = await readRange(paths.live, size - keepBytes, keepBytes);
  try {
    await writeFileAtomic(paths.previous, kept);
  } catch (error) {
    // No room for the tail (ENOSPC, the case this bounds): the live file is emptied anyway,
    // and an older copy that no longer follows on from it goes too.
    await rm(paths.previous, { force: true });
    await emptyFrom(paths, start + size);
    throw error;
  }
  await emptyFrom(paths, start + size);
  return true;
}

async function emptyFrom(paths: LogPaths, start: number): Promise<void> {
  // Recorded first: a crash before the emptying repeats output in a read, never misplaces it.
  await writeFileAtomic(paths.start, `${start}\n`);
  await truncate(paths.live, 0);
}

/**
 * The kept output of a stream: its last `limitBytes` (a tail), or with `from` up to
 * `limitBytes` from that position on. `offset` and `end` say where the content lies in the
 * stream; a reader that goes on reads from `end`. `truncated` says that output before the
 * content (a tail's), or between `from` and it (no longer kept), was left out. A tail starts at
 * a character's start; a read from a position also ends before a character it has not all of,
 * which the next read gives whole.
 */
export async function readTaskLog(
  directory: string,
  stream: LogStream,
  range: { readonly from?: number | undefined; readonly limitBytes: number },
): Promise<TaskLogRead> {
  const paths = taskLogPaths(directory, stream);
  const [start, liveSize, previousSize] = await Promise.all([
    startOf(paths.start),
    sizeOf(paths.live),
    sizeOf(paths.previous),
  ]);
  const size = start + liveSize;
  const firstKept = Math.max(0, start - previousSize);
  const wanted = range.from ?? Math.max(0, size - range.limitBytes);
  const from = Math.min(Math.max(wanted, firstKept), size);
  const to = Math.min(size, from + range.limitBytes);
  const parts: Buffer[] = [];
  if (from < start) {
    const at = from - firstKept;
    parts.push(await readRange(paths.previous, at, Math.min(to, start) - from));
  }
  if (to > start) {
    const at = Math.max(from, start);
    parts.push(await readRange(paths.live, at - start, to - at));
  }
  const read = Buffer.concat(parts);
  // A tail, or a read whose start is no longer kept, begins wherever bytes were cut.
  const cut = range.from === undefined || from !== wanted;
  const head = cut ? trimPartialCharacter(read) : read;
  const body = range.from === undefined ? head : trimIncompleteEnd(head);
  const offset = from + (read.length - head.length);
  return {
    content: new TextDecoder().decode(body),
    size,
    truncated: from > (range.from ?? 0),
    offset,
    end: offset + body.length,
  };
}

/** Drops a character the buffer ends inside of, so it is read whole next time. */
export function trimIncompleteEnd(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Where the live file begins in the stream; 0 before the first rotation. */
async function startOf(path: string): Promise<number> {
  try {
    const text = await readFile(path, 'utf8');
    return /^\d{1,15}\n$/.test(text) ? Number(text.trim()) : 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0);
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
