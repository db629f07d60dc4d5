import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isTaskCgroup, unifiedCgroupPath } from './cgroup-paths.js';
import { isLiveState, type ProcStat, parseEnviron, parseProcStat } from './proc-stat.js';
import { shimName } from './shim.js';
import type { ProcessIdentity } from './task-record.js';

/**
 * What the supervisor asks of the kernel about processes, read from procfs. `procRoot` lets
 * tests point it elsewhere; everything else is Linux's `/proc`.
 */
export class ProcessTable {
  #bootId: string | undefined;

  constructor(private readonly procRoot = '/proc') {}

  /** The current boot's id; start times in clock ticks are only comparable within one boot. */
  async bootId(): Promise<string> {
    this.#bootId ??= (
      await readFile(join(this.procRoot, 'sys/kernel/random/boot_id'), 'utf8')
    ).trim();
    return this.#bootId;
  }

  async stat(pid: number): Promise<ProcStat | undefined> {
    try {
      return parseProcStat(await readFile(join(this.procRoot, String(pid), 'stat'), 'utf8'));
    } catch {
      // The process is gone (ENOENT, or ESRCH while it exits).
      return undefined;
    }
  }

  /** The identity to record for a process that is running now. */
  async identify(pid: number): Promise<ProcessIdentity | undefined> {
    const stat = await this.stat(pid);
    if (!stat || !isLiveState(stat.state)) return undefined;
    return { pid, startTicks: stat.startTicks, bootId: await this.bootId() };
  }

  /**
   * Whether the process recorded in `identity` is still running: same boot, same pid, same
   * start time, and not a zombie (an orphaned shim's zombie may never be reaped when PID 1
   * does not reap).
   */
  async isAlive(identity: ProcessIdentity): Promise<boolean> {
    if (identity.bootId !== (await this.bootId())) return false;
    const stat = await this.stat(identity.pid);
    return stat !== undefined && stat.startTicks === identity.startTicks && isLiveState(stat.state);
  }

  /** Pids of the live (non-zombie) members of a process group. */
  async groupMembers(processGroup: number): Promise<number[]> {
    const pids = (await readdir(this.procRoot)).filter((entry) => /^\d+$/.test(entry));
    const stats = await Promise.all(pids.map((pid) => this.stat(Number(pid))));
    return stats
      .filter((s) => s !== undefined && s.processGroup === processGroup && isLiveState(s.state))
      .map((s) => (s as ProcStat).pid);
  }

  /**
   * The live members of the group a shim led. A pid is not reused while its number is still a
   * process group's id, so when the pid now belongs to a different process (or another boot),
   * the shim's group ended long ago and whoever holds that group id now is someone else's.
   */
  async ownGroupMembers(identity: ProcessIdentity): Promise<number[]> {
    if (identity.bootId !== (await this.bootId())) return [];
    const leader = await this.stat(identity.pid);
    if (leader && leader.startTicks !== identity.startTicks) return [];
    return this.groupMembers(identity.pid);
  }

  /** When the current boot began (`btime` of `/proc/stat`), to the second. */
  async bootTime(): Promise<Date> {
    const text = await readFile(join(this.procRoot, 'stat'), 'utf8');
    const seconds = Number(/^btime (\d+)$/m.exec(text)?.[1] ?? 0);
    return new Date(seconds * 1000);
  }

  /**
   * Pids of the live shims (a task's or a hook's) whose files are in `directory`: their
   * command line is the shim's name followed by an exit file there. Found without any record,
   * from what only a shim launched for that directory has.
   */
  async shimsIn(directory: string): Promise<number[]> {
    const pids = (await readdir(this.procRoot)).filter((entry) => /^\d+$/.test(entry)).map(Number);
    const found: number[] = [];
    for (const pid of pids) {
      let argv: string[];
      try {
        argv = (await readFile(join(this.procRoot, String(pid), 'cmdline'), 'utf8')).split('\0');
      } catch {
        continue;
      }
      const at = argv.indexOf(shimName);
      if (at < 0 || !argv[at + 1]?.startsWith(`${directory}/`)) continue;
      const stat = await this.stat(pid);
      if (stat && isLiveState(stat.state)) found.push(pid);
    }
    return found;
  }

  /** The live processes that carry `name=value` in their environment. */
  async withEnvironment(name: string, value: string): Promise<ProcStat[]> {
    const pids = (await readdir(this.procRoot)).filter((entry) => /^\d+$/.test(entry)).map(Number);
    const found: ProcStat[] = [];
    for (const pid of pids) {
      const environ = await this.environment(pid);
      if (!environ?.some(([k, v]) => k === name && v === value)) continue;
      const stat = await this.stat(pid);
      if (stat && isLiveState(stat.state)) found.push(stat);
    }
    return found;
  }

  /** The live processes in the task's own cgroup (see task-cgroups.ts), wherever it is. */
  async inTaskCgroup(uid: string): Promise<ProcStat[]> {
    const pids = (await readdir(this.procRoot)).filter((entry) => /^\d+$/.test(entry)).map(Number);
    const found: ProcStat[] = [];
    for (const pid of pids) {
      const content = await readFile(join(this.procRoot, String(pid), 'cgroup'), 'utf8').catch(
        () => '',
      );
      const path = unifiedCgroupPath(content);
      if (path === undefined || !isTaskCgroup(path, uid)) continue;
      const stat = await this.stat(pid);
      if (stat && isLiveState(stat.state)) found.push(stat);
    }
    return found;
  }

  /**
   * Which mount namespace a process (or `self`, this one) is in, as `mnt:[inode]`; undefined
   * when it is gone or not ours to inspect.
   */
  async mountNamespace(pid: number | 'self'): Promise<string | undefined> {
    try {
      return await readlink(join(this.procRoot, String(pid), 'ns/mnt'));
    } catch {
      return undefined;
    }
  }

  /** The directory through which a process's root (a container's filesystem) is read. */
  rootOf(pid: number): string {
    return join(this.procRoot, String(pid), 'root');
  }

  /** A process's environment, or undefined when it cannot be read (gone, or not ours to read). */
  async environment(pid: number): Promise<[string, string][] | undefined> {
    try {
      return parseEnviron(await readFile(join(this.procRoot, String(pid), 'environ'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Sends `signal` to one process; false when it is gone. */
  signalProcess(pid: number, signal: NodeJS.Signals): boolean {
    try {
      process.kill(pid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw error;
    }
  }

  /** Sends `signal` to every process of a group; false when the group has no process left. */
  signalGroup(processGroup: number, signal: NodeJS.Signals): boolean {
    try {
      process.kill(-processGroup, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw error;
    }
  }
}
