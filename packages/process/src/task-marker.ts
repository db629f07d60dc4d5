/**
 * The variable every task's command starts with, set to the task's uid. A process that leaves
 * the task's process group (`setsid`, a daemon's double fork) keeps its environment, so the
 * supervisor finds it in `/proc/<pid>/environ` and stops it with the rest of the task. A
 * process that replaces its whole environment (`env -i`, `sudo` without `-E`) or runs as a
 * user whose environment the supervisor may not read escapes it: the task's cgroup, where the
 * agent may make one (task-cgroups.ts), still holds such a process.
 */
export const taskMarkerVariable = 'ROUNDHOUSE_TASK_UID';

/** The task's environment with its marker, which the request's own variables cannot replace. */
export function markedEnvironment(
  environment: Readonly<Record<string, string>>,
  uid: string,
): Record<string, string> {
  return { ...environment, [taskMarkerVariable]: uid };
}
