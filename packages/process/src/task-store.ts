import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { ConfigurationError } from '@roundhouse/core';
import { syncDirectory, writeFileAtomic } from './atomic-file.js';
import { capturedOutput, hookOutputBytes } from './hook-capture.js';
import { type LogStream, readTail } from './log-tail.js';
import type { HookName } from './process-spec.js';
import { parseExitFile, type ShimOutcome } from './shim.js';
import { TaskStoreError } from './task-errors.js';
import { readTaskLog, rotateTaskLog, taskLogPaths } from './task-log.js';
import { taskNameProblem } from './task-name.js';
import { type TaskRecord, TaskRecordSchema } from './task-record.js';

const recordFile = 'task.json';
const exitFile = 'exit';
const pidFile = 'pid';
const stopFile = 'stop';
const workDirectory = 'work';

export type StoredRecord =
  | { readonly kind: 'record'; readonly record: TaskRecord }
  | { readonly kind: 'missing' }
  /** `problem` says what is wrong with it: `task.json is not valid JSON`, ... */
  | { readonly kind: 'unreadable'; readonly problem: string };

/**
 * Read errors that say nothing about the file: the agent ran out of something for a moment.
 * Any other error (EISDIR, EACCES, EIO, ...) makes the record unreadable.
 */
const transientReadErrors = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EINTR']);

/**
 * The data directory: `<data-dir>/<task>/` holds `task.json` (the record, replaced
 * atomically), `pid` (the shim's), `exit` (written by the shim), `stop` (created before a
 * stop's SIGTERM goes, see shim.ts), `stdout.log` and `stderr.log`
 * (with `.1` and `.start` once rotated, see task-log.ts), for each hook that ran `<hook>.exit`,
 * `<hook>.head` and `<hook>.tail` (its status and capped output), and `work/`, the working
 * directory of a Local task that names none, so what a task writes there cannot replace the
 * files the supervisor reads. Directories and files are private to the agent's user: logs may
 * hold anything a task prints.
 */
export class TaskStore {
  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = resolve(dataDir);
  }

  async init(): Promise<void> {
    await this.#io('create the data directory', () =>
      mkdir(this.dataDir, { recursive: true, mode: 0o700 }),
    );
  }

  /** `<data-dir>/<name>`, for a valid name only; the containment check is a second guard. */
  directory(name: string): string {
    const problem = taskNameProblem(name);
    if (problem) throw new ConfigurationError({ path: 'name', message: problem });
    const path = join(this.dataDir, name);
    const rel = relative(this.dataDir, path);
    if (rel === '' || rel.startsWith('..') || rel.includes(sep)) {
      throw new ConfigurationError({
        path: 'name',
        message: 'must stay inside the data directory',
      });
    }
    return path;
  }

  exitFile(name: string): string {
    return join(this.directory(name), exitFile);
  }

  /** A hook's exit file, or the first or last bytes of its output. */
  hookFile(name: string, hook: HookName, kind: 'exit' | 'head' | 'tail'): string {
    return join(this.directory(name), `${hook}.${kind}`);
  }

  /** What a hook's capture kept of its output; empty when it wrote none. */
  async readHookOutput(name: string, hook: HookName): Promise<string> {
    const read = (kind: 'head' | 'tail') => {
      const path = this.hookFile(name, hook, kind);
      return this.#io(`read ${path}`, () => readTail(path, hookOutputBytes));
    };
    const [head, tail] = await Promise.all([read('head'), read('tail')]);
    return capturedOutput(head.content, tail.content, tail.truncated);
  }

  logFile(name: string, stream: LogStream): string {
    return taskLogPaths(this.directory(name), stream).live;
  }

  /** Creates the task's default working directory, if need be, and returns it. */
  async workDirectory(name: string): Promise<string> {
    const path = join(this.directory(name), workDirectory);
    await this.#io(`create ${path}`, () => mkdir(path, { recursive: true, mode: 0o700 }));
    return path;
  }

  /** Creates the task's directory; false when it already exists. */
  async createDirectory(name: string): Promise<boolean> {
    const path = this.directory(name);
    try {
      await mkdir(path, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new TaskStoreError(`create ${path}`, { cause: error });
    }
    await this.#io(`sync ${this.dataDir}`, () => syncDirectory(this.dataDir));
    return true;
  }

  async write(record: TaskRecord): Promise<void> {
    const path = join(this.directory(record.name), recordFile);
    await this.#io(`write ${path}`, () =>
      writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`),
    );
  }

  /**
   * Writes the shim's pid to `pid`, where OpenSandbox's agent keeps it, for tools that read
   * its layout. The agent itself goes by the identity in the record, which a pid alone is not.
   */
  async writePid(name: string, pid: number): Promise<void> {
    const path = join(this.directory(name), pidFile);
    await this.#io(`write ${path}`, () => writeFileAtomic(path, String(pid)));
  }

  /**
   * The task's record; `unreadable`, saying why, when `task.json` cannot be read, is not a
   * record, or records another name. Throws TaskStoreError only for a passing shortage (EMFILE).
   */
  async read(name: string): Promise<StoredRecord> {
    let text: string;
    try {
      text = await readFile(join(this.directory(name), recordFile), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
      if (code === 'ENOENT') return { kind: 'missing' };
      if (transientReadErrors.has(code)) {
        throw new TaskStoreError(`read the record of ${name}`, { cause: error });
      }
      return { kind: 'unreadable', problem: `${recordFile} cannot be read (${code})` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'unreadable', problem: `${recordFile} is not valid JSON` };
    }
    const result = TaskRecordSchema.safeParse(json);
    if (!result.success) {
      const [issue] = result.error.issues;
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      return {
        kind: 'unreadable',
        problem: `${recordFile} is not a task record (${where}${issue?.message ?? 'invalid'})`,
      };
    }
    if (result.data.name !== name) {
      return {
        kind: 'unreadable',
        problem: `${recordFile} records another task (${JSON.stringify(result.data.name)})`,
      };
    }
    return { kind: 'record', record: result.data };
  }

  /** The pid in `pid` (the shim's, written when it started) and when it was written. */
  async readPid(name: string): Promise<{ pid: number; at: Date } | undefined> {
    const path = join(this.directory(name), pidFile);
    try {
      const [content, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      const pid = /^\d{1,10}$/.test(content.trim()) ? Number(content.trim()) : 0;
      return pid > 0 ? { pid, at: info.mtime } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The task directory's inode and when it was made (its birth time where the file system
   * records one, else its last change): what is left to tell this directory from a later one.
   */
  async directoryInfo(name: string): Promise<{ inode: number; createdAt: Date }> {
    const path = this.directory(name);
    const info = await this.#io(`stat ${path}`, () => stat(path));
    const born = info.birthtimeMs > 0 ? info.birthtime : info.mtime;
    return { inode: info.ino, createdAt: born };
  }

  /**
   * Moves a task's directory aside, everything in it kept, to `<name>.corrupt-<time>` in the
   * data directory, so that the name can be created again. The time is ISO 8601 with colons,
   * which a task name cannot contain, so the agent never takes the directory for a task.
   * Returns where it went.
   */
  async keepAside(name: string, now: Date): Promise<string> {
    const from = this.directory(name);
    for (let attempt = 0; ; attempt++) {
      const suffix = `.corrupt-${now.toISOString()}${attempt === 0 ? '' : `-${attempt}`}`;
      // A file name has at most 255 bytes; task names are ASCII, so characters are bytes.
      const to = join(this.dataDir, `${name.slice(0, 255 - suffix.length)}${suffix}`);
      try {
        await rename(from, to);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === 'EEXIST' || code === 'ENOTEMPTY') && attempt < 10) continue;
        throw new TaskStoreError(`move ${from} aside`, { cause: error });
      }
      await this.#io(`sync ${this.dataDir}`, () => syncDirectory(this.dataDir));
      return to;
    }
  }

  /**
   * The exit status a shim wrote and when, or undefined while there is none (yet): the
   * command's, or with `hook` that hook's. A never-started marker is no status.
   */
  async readExit(name: string, hook?: HookName): Promise<{ code: number; at: Date } | undefined> {
    const outcome = await this.readShimOutcome(name, hook);
    return outcome?.kind === 'exited' ? { code: outcome.code, at: outcome.at } : undefined;
  }

  /**
   * What the shim of the command (or of `hook`) left in its exit file, and when: its status,
   * or that it never ran what it was given; undefined while the file holds neither (yet).
   */
  async readShimOutcome(
    name: string,
    hook?: HookName,
  ): Promise<(ShimOutcome & { readonly at: Date }) | undefined> {
    const path = this.#exitPath(name, hook);
    try {
      const [content, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      const outcome = parseExitFile(content);
      return outcome && { ...outcome, at: info.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TaskStoreError(`read ${path}`, { cause: error });
    }
  }

  /**
   * Removes the exit file before a shim is launched for it: a shim writes its never-started
   * marker only where there is no file yet, so an earlier shim's marker would keep out its own.
   */
  async removeExit(name: string, hook?: HookName): Promise<void> {
    const path = this.#exitPath(name, hook);
    await this.#io(`remove ${path}`, () => rm(path, { force: true }));
  }

  /** Where the shim of the task's command looks for a stop sent before its command existed. */
  stopFile(name: string): string {
    return join(this.directory(name), stopFile);
  }

  /**
   * Creates the stop file; before any SIGTERM of a stop, so a command forked after it ends.
   * Exclusively: whatever is there already (a stop of this run, or a link a Local task put in
   * its directory) marks the stop as well, and is never followed or written through.
   */
  async markStopping(name: string): Promise<void> {
    const path = this.stopFile(name);
    await this.#io(`write ${path}`, () =>
      writeFile(path, '', { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      }),
    );
  }

  /** Removes the stop file before a shim is launched: an earlier run's stop is not this one's. */
  async removeStop(name: string): Promise<void> {
    const path = this.stopFile(name);
    await this.#io(`remove ${path}`, () => rm(path, { force: true }));
  }

  #exitPath(name: string, hook: HookName | undefined): string {
    return hook ? this.hookFile(name, hook, 'exit') : this.exitFile(name);
  }

  /** Names of the task directories; other entries (temporary files, stray names) are skipped. */
  async list(): Promise<string[]> {
    const entries = await this.#io(`list ${this.dataDir}`, () =>
      readdir(this.dataDir, { withFileTypes: true }),
    );
    return entries
      .filter((entry) => entry.isDirectory() && taskNameProblem(entry.name) === undefined)
      .map((entry) => entry.name)
      .sort();
  }

  async remove(name: string): Promise<void> {
    const path = this.directory(name);
    await this.#io(`remove ${path}`, () => rm(path, { recursive: true, force: true }));
  }

  /** Opens stdout.log and stderr.log for appending, to hand to the task's process. */
  async openLogs(name: string) {
    const stdout = await this.#io(`open the stdout log of ${name}`, () =>
      open(this.logFile(name, 'stdout'), 'a', 0o600),
    );
    try {
      return { stdout, stderr: await open(this.logFile(name, 'stderr'), 'a', 0o600) };
    } catch (error) {
      await stdout.close();
      throw new TaskStoreError(`open the stderr log of ${name}`, { cause: error });
    }
  }

  /** The kept output of a stream (see `readTaskLog`); never at once with `rotateLogs`. */
  async readLog(
    name: string,
    stream: LogStream,
    range: { readonly from?: number | undefined; readonly limitBytes: number },
  ) {
    return this.#io(`read the ${stream} log of ${name}`, () =>
      readTaskLog(this.directory(name), stream, range),
    );
  }

  /** Bounds the task's stdout and stderr on disk (see task-log.ts). */
  async rotateLogs(name: string, keepBytes: number): Promise<void> {
    const directory = this.directory(name);
    for (const stream of ['stdout', 'stderr'] as const) {
      await this.#io(`rotate the ${stream} log of ${name}`, () =>
        rotateTaskLog(directory, stream, keepBytes),
      );
    }
  }

  async #io<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new TaskStoreError(operation, { cause: error });
    }
  }
}
