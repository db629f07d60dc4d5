import { access, constants, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, noopLogger } from '@roundhouse/core';
import { cgroupDirectory, taskCgroupName, unifiedCgroupPath } from './cgroup-paths.js';

/**
 * A cgroup v2 of its own for each task's command, made under the agent's own cgroup when the
 * agent may write there (root with a writable cgroup2 mount, or a cgroup delegated to it, as
 * systemd's `Delegate=yes`). Its processes stay in it however they detach, even after clearing
 * their environment, so a stop finds them all. Where the agent may not (a container's
 * read-only /sys/fs/cgroup, cgroup v1 only), `unavailable` says why and every method does
 * nothing: the task's process group and environment marker are all a stop has then.
 */
export class TaskCgroups {
  /** Tasks whose cgroup is known to be gone, so a finished task's is not looked for again. */
  readonly #gone = new Set<string>();

  private constructor(
    private readonly parent: string | undefined,
    /** Why tasks get no cgroup of their own, when they do not. */
    readonly unavailable: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Finds the agent's cgroup through `procRoot` and checks that it may make cgroups in it. */
  static async open(procRoot: string, logger: Logger = noopLogger): Promise<TaskCgroups> {
    const own = await readFile(join(procRoot, 'self/cgroup'), 'utf8').catch(() => '');
    const mountinfo = await readFile(join(procRoot, 'self/mountinfo'), 'utf8').catch(() => '');
    const path = unifiedCgroupPath(own);
    const parent = path === undefined ? undefined : cgroupDirectory(path, mountinfo);
    if (parent === undefined) {
      return new TaskCgroups(undefined, 'no cgroup v2 hierarchy is mounted for this agent', logger);
    }
    const probe = join(parent, `roundhouse-probe-${process.pid}`);
    try {
      await access(join(parent, 'cgroup.procs'), constants.W_OK);
      await mkdir(probe);
      await rmdir(probe);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return new TaskCgroups(
        undefined,
        `the agent may not create cgroups in ${parent} (${code})`,
        logger,
      );
    }
    return new TaskCgroups(parent, undefined, logger);
  }

  /**
   * Moves a task's shim into the task's cgroup, before it runs the command, so all the
   * command starts is born there. When it cannot (`cgroup.max.descendants` reached, EBUSY) the
   * task runs without, and the agent says so: a stop then finds its processes by their group
   * and marker only, which a process that leaves both escapes.
   */
  async enter(uid: string, pid: number): Promise<void> {
    if (this.parent === undefined) return;
    const directory = join(this.parent, taskCgroupName(uid));
    try {
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, 'cgroup.procs'), `${pid}\n`);
    } catch (error) {
      this.logger.warn(
        { task: uid, code: (error as NodeJS.ErrnoException).code ?? String(error) },
        'task runs without a cgroup of its own: its stop finds processes by group and marker only',
      );
    }
  }

  /**
   * SIGKILLs every process of the task's cgroup at once (`cgroup.kill`, Linux 5.14), so none
   * can fork past the stop between a scan and its signal. Older kernels have no such file:
   * their processes are signalled one by one, as they are found.
   */
  async kill(uid: string): Promise<void> {
    if (this.parent === undefined) return;
    await writeFile(join(this.parent, taskCgroupName(uid), 'cgroup.kill'), '1\n').catch(() => {});
  }

  /**
   * Removes a finished task's cgroup once nothing is left in it: nothing can enter it again,
   * so an empty one has nothing more to find. Busy (a daemon the task left), it is kept and
   * tried again on the next call; once gone, it is not tried again until `forget`.
   */
  async removeIfEmpty(uid: string): Promise<void> {
    if (this.parent === undefined || this.#gone.has(uid)) return;
    try {
      await rmdir(join(this.parent, taskCgroupName(uid)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
    this.#gone.add(uid);
  }

  /** Removes a removed task's cgroup, when it had one, and what was remembered of it. */
  async forget(uid: string): Promise<void> {
    this.#gone.delete(uid);
    if (this.parent === undefined) return;
    await rmdir(join(this.parent, taskCgroupName(uid))).catch(() => {});
  }
}
