/**
 * Where cgroup v2 puts a process, read from procfs. A process cannot leave its cgroup without
 * write access to the cgroup file system, unlike its environment, process group or session, so
 * a task's own cgroup names its processes however they detach.
 */

/** The name of a task's own cgroup: the uid makes it unique across restarts and data dirs. */
export function taskCgroupName(uid: string): string {
  return `roundhouse-task-${uid}`;
}

/** The cgroup v2 path in a `/proc/<pid>/cgroup` file (its `0::` line), if the process has one. */
export function unifiedCgroupPath(content: string): string | undefined {
  const line = content.split('\n').find((l) => l.startsWith('0::'));
  return line === undefined ? undefined : line.slice(3);
}

/** Whether a cgroup v2 path is the task's own cgroup, wherever its parent is. */
export function isTaskCgroup(path: string, uid: string): boolean {
  return path.endsWith(`/${taskCgroupName(uid)}`);
}

/**
 * The directory of the cgroup a process is in, from its cgroup v2 path and `/proc/self/mountinfo`:
 * the cgroup2 mount whose root is that path or above it. Undefined without such a mount.
 */
export function cgroupDirectory(path: string, mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [mount, filesystem] = line.split(' - ');
    if (!mount || !filesystem?.startsWith('cgroup2 ')) continue;
    const fields = mount.split(' ');
    const root = unescapeMountField(fields[3] ?? '');
    const point = unescapeMountField(fields[4] ?? '');
    if (!point) continue;
    if (root === '/') return joinCgroup(point, path);
    if (path === root || path.startsWith(`${root}/`)) {
      return joinCgroup(point, path.slice(root.length));
    }
  }
  return undefined;
}

function joinCgroup(point: string, relative: string): string {
  const rest = relative.replace(/^\/+/, '');
  return rest ? `${point.replace(/\/+$/, '')}/${rest}` : point;
}

/** mountinfo writes space, tab, newline and backslash as three-digit octal escapes. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}
