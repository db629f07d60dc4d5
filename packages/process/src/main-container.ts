import type { ProcessTable } from './process-table.js';
import { StartFailedError } from './task-errors.js';

/** The environment variable that marks the main container's processes (OpenSandbox's). */
export const mainContainerVariable = 'SANDBOX_MAIN_CONTAINER';

/** A process that carries the main container's mark, with the namespaces that tell whose it is. */
export interface MarkedProcess {
  readonly pid: number;
  /** Start time in clock ticks since boot, as a decimal string. */
  readonly startTicks: string;
  /** Its mount namespace (`mnt:[inode]`); undefined when unreadable. */
  readonly mountNamespace: string | undefined;
  /** Its session leader's mount namespace; undefined when the leader is gone or unreadable. */
  readonly sessionMountNamespace: string | undefined;
}

/**
 * The main container's process among the marked ones: the first started (the container's first
 * process), never one that may be the agent's own. A Remote task's shim and hooks start with
 * the main container's environment, so they carry the mark too, as may a Local task that sets
 * it; they live in the agent's mount namespace. A Remote task's command lives in the main
 * container's namespaces, perhaps those of a container since restarted, but in the session its
 * shim began in the agent's. Any of them outlives a restart of the main container and is then
 * older than its new first process: chosen, every later Remote task would run in the agent's
 * container, beside the data directory with every task's logs and the token file. A process
 * whose namespaces cannot be read, or whose session leader is gone, is left out as well: a
 * container's first process leads its own session (the runtime calls setsid) as long as the
 * container runs. Undefined when nothing is left.
 */
export function chooseMainProcess(
  marked: readonly MarkedProcess[],
  agentMountNamespace: string,
): number | undefined {
  const foreign = (namespace: string | undefined) =>
    namespace !== undefined && namespace !== agentMountNamespace;
  let best: { pid: number; ticks: bigint } | undefined;
  for (const candidate of marked) {
    if (!foreign(candidate.mountNamespace) || !foreign(candidate.sessionMountNamespace)) continue;
    const ticks = BigInt(candidate.startTicks);
    if (!best || ticks < best.ticks) best = { pid: candidate.pid, ticks };
  }
  return best?.pid;
}

/**
 * The pid of the main container's process named `containerName`, to enter with nsenter.
 * Throws StartFailedError saying what is missing and how to provide it.
 */
export async function findMainProcess(table: ProcessTable, containerName: string): Promise<number> {
  const mark = `${mainContainerVariable}=${containerName}`;
  const stats = await table.withEnvironment(mainContainerVariable, containerName);
  if (stats.length === 0) {
    throw new StartFailedError(
      `sidecar mode: no process has ${mark} in its environment; the main container must set it ` +
        'and share its process namespace with the agent (shareProcessNamespace: true)',
    );
  }
  const agentMountNamespace = await table.mountNamespace('self');
  if (agentMountNamespace === undefined) {
    throw new StartFailedError(
      "sidecar mode: cannot read the agent's own mount namespace (/proc/self/ns/mnt); mount " +
        'procfs at /proc in the agent container',
    );
  }
  const marked = await Promise.all(
    stats.map(
      async ({ pid, startTicks, session }): Promise<MarkedProcess> => ({
        pid,
        startTicks,
        mountNamespace: await table.mountNamespace(pid),
        sessionMountNamespace: await table.mountNamespace(session),
      }),
    ),
  );
  const pid = chooseMainProcess(marked, agentMountNamespace);
  if (pid === undefined) {
    throw new StartFailedError(
      `sidecar mode: every process with ${mark} in its environment is in the agent's own mount ` +
        "namespace or in a session begun there (the agent's tasks and hooks inherit the " +
        'variable), or its namespaces cannot be read, so none is the main container; run the ' +
        'agent in a container of its own beside the main container (shareProcessNamespace: ' +
        'true), set the variable in the main container only, and give the agent the privileges ' +
        'nsenter needs',
    );
  }
  return pid;
}
