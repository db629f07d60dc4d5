import { appendFileSync, ftruncateSync, readSync } from 'node:fs';
import { type FileHandle, open, readFile, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { type LogStream, type LogTail, trimPartialCharacter } from './log-tail.js';

/**
 * A task's stdout or stderr, bounded on disk. The task appends to `<stream>.log` (opened
 * O_APPEND); once that holds more than `keepBytes`, `rotateTaskLog` keeps the stream's last
 * `keepBytes` in `<stream>.log.1`, records in `<stream>.log.1.start` where those begin in the
 * stream, and empties the live file, where the task's next write lands at its start. The live
 * file begins where the kept copy ends, so a position in a stream counts every byte the task
 * wrote, kept or not, across rotations, and the last `keepBytes` of a stream to twice that
 * are kept.
 *
 * What the task writes while a rotation copies is kept too: the rotation appends to the kept
 * copy what the live file gained since, and empties the live file right after a read of it
 * finds its end (that read and the truncate are consecutive system calls, with no event-loop
 * turn between). Lost, and not counted (so later positions are that many bytes early): what
 * the task writes between that read and the truncate; and, from a task that outpaces the
 * copying (in each of three rounds, the rotation copies `keepBytes`, at most 8 MiB, without
 * reaching the end), what follows the last copy. POSIX has no truncate-if-unchanged, so only
 * a writer that rotates its own output could close this window.
 *
 * A crash of the agent at any step repeats output in a read, never misplaces it: each step
 * leaves where the live file seems to begin (the kept copy's recorded start plus its size) at
 * or after where it does. After a power loss, what a rotation copied right before the
 * truncate, not synced, may be missing from the kept copy, and later positions early by that.
 * When the copy cannot be kept (ENOSPC, the case rotation bounds), the live file is emptied
 * anyway and the kept copy removed, after recording where the live file then begins; output
 * written meanwhile is lost uncounted. If even that cannot be recorded, the stream stays as
 * it was. Agents before this layout recorded in `<stream>.log.start` where the live file
 * begins: that is read until the next rotation removes it.
 */
interface LogPaths {
  readonly live: string;
  readonly kept: string;
  readonly keptStart: string;
  readonly legacyStart: string;
}

/** A read of a stream: its content, and where that lies in the stream. */
export type TaskLogRead = LogTail & { readonly offset: number; readonly end: number };

/**
 * Where a rotation stands, for a test to write to the live file at each point. `checked` comes
 * right before the truncate: what is written there is what a rotation loses.
 */
export type RotationStep =
  | 'measured'
  | 'recorded'
  | 'kept'
  | 'caught up'
  | 'checked'
  | 'emptied'
  | 'dropped';

/** How often a rotation copies what the task wrote meanwhile before it empties anyway. */
const catchUpRounds = 3;
/** A synchronous copy holds the event loop: it takes `keepBytes`, but at most this (ms). */
const syncCopyBytes = 8 * 1024 * 1024;
const chunkBytes = 64 * 1024;

export function taskLogPaths(directory: string, stream: LogStream): LogPaths {
  const live = join(directory, `${stream}.log`);
  return {
    live,
    kept: `${live}.1`,
    keptStart: `${live}.1.start`,
    legacyStart: `${live}.start`,
  };
}

/**
 * Rotates the stream when its live file holds more than `keepBytes`; whether it did. Call it
 * only where nothing reads or rotates the same task at once.
 */
export async function rotateTaskLog(
  directory: string,
  stream: LogStream,
  keepBytes: number,
  onStep: (step: RotationStep) => void = () => {},
): Promise<boolean> {
  const paths = taskLogPaths(directory, stream);
  if ((await sizeOf(paths.live)) <= keepBytes) return false;
  onStep('measured');
  let start = await liveStart(paths, await sizeOf(paths.kept));
  const live = await open(paths.live, 'r+');
  try {
    start += await copyAndEmpty(paths, live, start, keepBytes, onStep);
    onStep('emptied');
    await trimKept(paths, start, keepBytes, onStep);
  } catch (error) {
    await dropKept(paths, start, onStep);
    throw error;
  } finally {
    await live.close();
  }
  await rm(paths.legacyStart, { force: true });
  return true;
}

/**
 * Brings the kept copy up to the end of the live file, then empties that; how many bytes of
 * the live file the kept copy took. `start` is where the live file begins in the stream.
 */
async function copyAndEmpty(
  paths: LogPaths,
  live: FileHandle,
  start: number,
  keepBytes: number,
  onStep: (step: RotationStep) => void,
): Promise<number> {
  // The kept copy ends where the live file begins: it holds none of it yet.
  let copied = 0;
  for (let round = 1; ; round++) {
    const size = (await live.stat()).size;
    if (size - copied > keepBytes) {
      // More than it keeps: a copy of the live file's tail replaces the kept copy.
      const tail = await readAt(live, size - keepBytes, keepBytes);
      await replaceKept(paths, start + size - keepBytes, tail, onStep);
      copied = size;
    } else {
      copied = await appendKept(paths, live, copied, size);
    }
    onStep('caught up');
    const kept = await open(paths.kept, 'a');
    try {
      // Synchronous from here to the truncate: no event-loop turn, and no thread-pool queue
      // (where other tasks' fsyncs wait), between the read that finds the end and the truncate.
      const limit = Math.min(keepBytes, syncCopyBytes);
      const reached = copyToEndSync(live.fd, kept.fd, copied, limit);
      copied = reached.position;
      if (reached.atEnd || round === catchUpRounds) {
        onStep('checked');
        ftruncateSync(live.fd, 0);
        return copied;
      }
    } finally {
      await kept.close();
    }
  }
}

/** Replaces the kept copy with `bytes`, which begin at `from` in the stream. */
async function replaceKept(
  paths: LogPaths,
  from: number,
  bytes: Uint8Array,
  onStep: (step: RotationStep) => void,
): Promise<void> {
  // Recorded first: until the copy is replaced the live file seems to begin later than it
  // does, which after a crash repeats output in a read rather than skipping any.
  await writeFileAtomic(paths.keptStart, `${from}\n`);
  onStep('recorded');
  await writeFileAtomic(paths.kept, bytes);
  onStep('kept');
}

/** Appends the live file's bytes from `from` to `to` to the kept copy, synced; where it got. */
async function appendKept(
  paths: LogPaths,
  live: FileHandle,
  from: number,
  to: number,
): Promise<number> {
  if (to <= from) return from;
  const kept = await open(paths.kept, 'a');
  try {
    let position = from;
    while (position < to) {
      const chunk = await readAt(live, position, Math.min(chunkBytes, to - position));
      if (chunk.length === 0) break;
      await kept.appendFile(chunk);
      position += chunk.length;
    }
    await kept.datasync();
    return position;
  } finally {
    await kept.close();
  }
}

/**
 * Appends the live file's bytes from `from` to its end to the kept copy; where it got, and
 * whether a read found the end before `limitBytes` were copied.
 */
function copyToEndSync(
  live: number,
  kept: number,
  from: number,
  limitBytes: number,
): { readonly position: number; readonly atEnd: boolean } {
  const buffer = Buffer.alloc(chunkBytes);
  let position = from;
  for (;;) {
    const read = readSync(live, buffer, 0, chunkBytes, position);
    if (read === 0) return { position, atEnd: true };
    appendFileSync(kept, buffer.subarray(0, read));
    position += read;
    if (position - from >= limitBytes) return { position, atEnd: false };
  }
}

/** Cuts the kept copy back to its last `keepBytes` once the catching up made it longer. */
async function trimKept(
  paths: LogPaths,
  liveStart: number,
  keepBytes: number,
  onStep: (step: RotationStep) => void,
): Promise<void> {
  const size = await sizeOf(paths.kept);
  if (size <= keepBytes) return;
  const tail = await readRange(paths.kept, size - keepBytes, keepBytes);
  await replaceKept(paths, liveStart - keepBytes, tail, onStep);
}

/**
 * A rotation failed (no room for the copy, ENOSPC, is the case this bounds): the live file is
 * emptied anyway and the kept copy, which may no longer end where it begins, goes too.
 */
async function dropKept(
  paths: LogPaths,
  liveStart: number,
  onStep: (step: RotationStep) => void,
): Promise<void> {
  const size = await sizeOf(paths.live);
  // Recorded first, ahead of the kept copy still there: a crash repeats output, never skips.
  await writeFileAtomic(paths.keptStart, `${liveStart + size}\n`);
  onStep('recorded');
  await rm(paths.kept, { force: true });
  onStep('dropped');
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
  const [liveSize, keptSize] = await Promise.all([sizeOf(paths.live), sizeOf(paths.kept)]);
  const start = await liveStart(paths, keptSize);
  const size = start + liveSize;
  const firstKept = Math.max(0, start - keptSize);
  const wanted = range.from ?? Math.max(0, size - range.limitBytes);
  const from = Math.min(Math.max(wanted, firstKept), size);
  const to = Math.min(size, from + range.limitBytes);
  const parts: Buffer[] = [];
  if (from < start) {
    const at = from - firstKept;
    parts.push(await readRange(paths.kept, at, Math.min(to, start) - from));
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

/** Where the live file begins in the stream: where the kept copy ends; 0 before a rotation. */
async function liveStart(paths: LogPaths, keptSize: number): Promise<number> {
  const keptStart = await positionIn(paths.keptStart);
  if (keptStart !== undefined) return keptStart + keptSize;
  return (await positionIn(paths.legacyStart)) ?? 0;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** A position a rotation recorded; undefined when there is none (or it is unreadable). */
async function positionIn(path: string): Promise<number | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return /^\d{1,15}\n$/.test(text) ? Number(text.trim()) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0);
  const file = await open(path, 'r');
  try {
    return await readAt(file, position, length);
  } finally {
    await file.close();
  }
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}
