/** The fields of `/proc/<pid>/stat` the supervisor uses. */
export interface ProcStat {
  readonly pid: number;
  /** One letter: R, S, D, Z (zombie), X (dead), T, ... */
  readonly state: string;
  readonly processGroup: number;
  /** The session id: the pid of the process that called setsid(2) to begin it. */
  readonly session: number;
  /** Start time in clock ticks since boot, as a decimal string (it can exceed 2^53 in theory). */
  readonly startTicks: string;
}

/**
 * Parses a `/proc/<pid>/stat` line (proc(5)). The command name in field 2 is in parentheses and
 * may itself contain spaces and parentheses, so the fields are counted from its last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  // After ") " come fields 3 (state) onwards: field N is at index N - 3.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const state = fields[0];
  const processGroup = Number(fields[2]);
  const session = Number(fields[3]);
  const startTicks = fields[19];
  if (
    !Number.isInteger(pid) ||
    !state ||
    !Number.isInteger(processGroup) ||
    !Number.isInteger(session) ||
    !startTicks
  ) {
    return undefined;
  }
  if (!/^\d+$/.test(startTicks)) return undefined;
  return { pid, state, processGroup, session, startTicks };
}

/** Whether a process in this state can still run code (zombies and dead entries cannot). */
export function isLiveState(state: string): boolean {
  return state !== 'Z' && state !== 'X' && state !== 'x';
}

/**
 * Parses `/proc/<pid>/environ` (NUL-separated `NAME=value`) into entries, keeping the order
 * and skipping anything without `=`.
 */
export function parseEnviron(content: string): [string, string][] {
  return content
    .split('\0')
    .filter((entry) => entry.indexOf('=') > 0)
    .map((entry) => {
      const eq = entry.indexOf('=');
      return [entry.slice(0, eq), entry.slice(eq + 1)];
    });
}
