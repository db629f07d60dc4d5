import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, constants, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { hookOutputBytes } from './hook-capture.js';
import { findMainProcess } from './main-container.js';
import type { ExecMode, HookName, LifecycleHook, ProcessSpec } from './process-spec.js';
import type { ProcessTable } from './process-table.js';
import { pathInRoot } from './rooted-path.js';
import { type LaunchTarget, launchPlan, type OutputCapture } from './shim.js';
import type { TaskCgroups } from './task-cgroups.js';
import { taskEnvironment } from './task-environment.js';
import { StartFailedError } from './task-errors.js';
import { markedEnvironment } from './task-marker.js';
import type { ProcessIdentity, TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

export interface LaunchSettings {
  /** The POSIX shell that runs the shim. */
  readonly shell: string;
  /** nsenter for Remote tasks; a bare name is looked up on the agent's PATH. */
  readonly nsenter: string;
  readonly mainContainerName: string;
  /** Where a task without `execMode` runs. */
  readonly defaultMode: ExecMode;
  /** The environment Local tasks start from (see `baseEnvironment`). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Where a task's command gets a cgroup of its own; without, it runs in the agent's. */
  readonly cgroups?: TaskCgroups | undefined;
}

/** A shim that is running and waiting for permission to start the command. */
export interface Launched {
  readonly identity: ProcessIdentity;
  /** Lets the command run; call once `identity` is durable. */
  release(): void;
  /**
   * Makes the shim exit without running the command; resolves once it has exited, so its
   * never-started marker is written before a new shim may be launched for the same file.
   */
  abort(): Promise<void>;
}

/** What one shim runs: the argv, where, and where its status and output go. */
interface LaunchRequest {
  readonly mode: ExecMode;
  readonly argv: readonly string[];
  readonly exitFile: string;
  /** The command's, never a hook's: a hook is only ever killed (see shim.ts). */
  readonly stopFile?: string | undefined;
  readonly workingDir?: string | undefined;
  readonly env?: ProcessSpec['env'];
  readonly capture?: OutputCapture | undefined;
  /** The task's uid, to mark the command's processes with (see task-marker.ts). */
  readonly marker?: string | undefined;
}

/** Starts shims: resolves where a task runs, its environment and argv, and spawns. */
export class ProcessLauncher {
  constructor(
    private readonly store: TaskStore,
    private readonly table: ProcessTable,
    private readonly settings: LaunchSettings,
  ) {}

  /**
   * Spawns the task's shim in its own session and process group, with stdout and stderr
   * appended to the task's log files. `onExit` is called when the shim exits, while this
   * agent is its parent. Throws StartFailedError when the task cannot be started.
   */
  async launch(record: TaskRecord, onExit: () => void): Promise<Launched> {
    const { process: spec, name } = record;
    await Promise.all([this.store.removeExit(name), this.store.removeStop(name)]);
    return this.#launch(name, onExit, {
      mode: spec.execMode ?? this.settings.defaultMode,
      argv: [...spec.command, ...(spec.args ?? [])],
      exitFile: this.store.exitFile(name),
      stopFile: this.store.stopFile(name),
      workingDir: spec.workingDir,
      env: spec.env,
      marker: record.uid,
    });
  }

  /**
   * Spawns one of the task's lifecycle hooks through its own shim, as the command is, so a
   * restarted agent re-adopts it. As upstream, a hook runs `Local` unless it asks for
   * `Remote`, with the inherited environment only (not the task's `env` or `workingDir`), and
   * its output is captured to capped files rather than the task's logs.
   */
  async launchHook(
    record: TaskRecord,
    hook: HookName,
    spec: LifecycleHook,
    onExit: () => void,
  ): Promise<Launched> {
    const { name } = record;
    await this.store.removeExit(name, hook);
    return this.#launch(name, onExit, {
      mode: spec.execMode ?? 'Local',
      argv: spec.exec.command,
      exitFile: this.store.hookFile(name, hook, 'exit'),
      capture: {
        headFile: this.store.hookFile(name, hook, 'head'),
        tailFile: this.store.hookFile(name, hook, 'tail'),
        bytes: hookOutputBytes,
      },
    });
  }

  async #launch(name: string, onExit: () => void, what: LaunchRequest): Promise<Launched> {
    const { mode, workingDir } = what;
    const local: { target: LaunchTarget; environment: [string, string | undefined][] } = {
      target: { mode: 'Local' },
      environment: Object.entries(this.settings.environment),
    };
    const { target, environment } = mode === 'Remote' ? await this.#remote() : local;
    if (workingDir !== undefined) await this.#requireDirectory(workingDir, target);
    const plan = launchPlan({
      shell: this.settings.shell,
      exitFile: what.exitFile,
      stopFile: what.stopFile,
      argv: what.argv,
      target,
      workingDir,
      capture: what.capture,
    });
    // A Remote task's directory is set by nsenter inside the main container. Without one, a
    // Local task runs in a directory of its own, apart from the files that record it.
    const cwd = mode === 'Local' && workingDir ? workingDir : await this.store.workDirectory(name);
    const logs = await this.store.openLogs(name);
    const env = taskEnvironment(environment, what.env);
    let child: ChildProcess;
    try {
      child = spawn(plan.file, plan.args, {
        cwd,
        env: what.marker === undefined ? env : markedEnvironment(env, what.marker),
        detached: true,
        stdio: ['pipe', logs.stdout.fd, logs.stderr.fd],
      });
    } catch (error) {
      // Thrown at once when the kernel refuses the exec itself, e.g. E2BIG for an argument
      // past its 128 KiB limit: this task can never start, so it fails rather than waits.
      throw new StartFailedError(`could not start ${plan.file}: ${errorCode(error)}`);
    } finally {
      await Promise.all([logs.stdout.close(), logs.stderr.close()]);
    }
    if (child.pid === undefined) {
      const [error] = (await once(child, 'error')) as [NodeJS.ErrnoException];
      throw new StartFailedError(`could not start ${plan.file}: ${errorCode(error)}`);
    }
    const { pid, stdin } = child;
    // The shim may exit before reading stdin (abort); a write to it then fails with EPIPE.
    stdin?.on('error', () => {});
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.on('exit', onExit);
    child.unref();
    const identity = await this.table.identify(pid);
    if (!identity) {
      stdin?.end();
      throw new StartFailedError(`the shim (pid ${pid}) exited before it could be recorded`);
    }
    // Before `go`: everything the command starts is born in the task's cgroup.
    if (what.marker !== undefined) await this.settings.cgroups?.enter(what.marker, pid);
    return {
      identity,
      release: () => stdin?.end('go\n'),
      abort: () => {
        stdin?.end();
        return exited;
      },
    };
  }

  /**
   * Refuses a `workingDir` the command could not start in, before anything runs: for a Remote
   * task as the main container sees it, through its root, where nsenter would otherwise fail
   * inside the shim and the task read as a command that ran and exited 1. A root this agent
   * may not read is left to nsenter.
   */
  async #requireDirectory(path: string, target: LaunchTarget): Promise<void> {
    if (target.mode === 'Local') return requireDirectory(path, path, '');
    const root = this.table.rootOf(target.targetPid);
    if (
      !(await stat(root).then(
        (info) => info.isDirectory(),
        () => false,
      ))
    )
      return;
    const inRoot = await pathInRoot(root, path).catch(() => null);
    if (inRoot === null) return;
    const where = " in the main container's filesystem";
    if (inRoot === undefined)
      throw new StartFailedError(`workingDir ${path} is a loop of symbolic links${where}`);
    return requireDirectory(inRoot, path, where);
  }

  async #remote(): Promise<{ target: LaunchTarget; environment: [string, string][] }> {
    const targetPid = await findMainProcess(this.table, this.settings.mainContainerName);
    const environment = await this.table.environment(targetPid);
    if (!environment) {
      throw new StartFailedError(
        `sidecar mode: cannot read the environment of the main container's process ${targetPid}`,
      );
    }
    const nsenter = await findExecutable(this.settings.nsenter, this.settings.environment.PATH);
    return { target: { mode: 'Remote', nsenter, targetPid }, environment };
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * Refuses a `workingDir` (`shown`, found at `path`) that the command could not start in,
 * saying which way, as the error's code tells it. A symbolic link to a directory is followed,
 * as chdir follows it.
 */
async function requireDirectory(path: string, shown: string, where: string): Promise<void> {
  const refuse = (why: string) => new StartFailedError(`workingDir ${shown} ${why}${where}`);
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw refuse(unreachableDirectory[error.code ?? ''] ?? `cannot be read (${errorCode(error)})`);
  });
  if (!info.isDirectory()) throw refuse('is a file, not a directory');
  await access(path, constants.X_OK).catch(() => {
    throw refuse('cannot be entered: the user tasks run as has no search permission on it');
  });
}

const unreachableDirectory: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'does not exist: a part of the path is a file',
  ELOOP: 'is a loop of symbolic links',
  EACCES:
    'cannot be reached: the user tasks run as has no search permission on a directory above it',
};

/** `name` itself when it is a path, else the first executable of that name on `path`. */
async function findExecutable(name: string, path: string | undefined): Promise<string> {
  const candidates = name.includes('/')
    ? [name]
    : (path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new StartFailedError(`sidecar mode needs ${name}, which was not found`);
}
