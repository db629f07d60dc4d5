import { describe, expect, it } from 'vitest';
import {
  cgroupDirectory,
  isTaskCgroup,
  taskCgroupName,
  unifiedCgroupPath,
} from './cgroup-paths.js';

const hybrid = [
  '30 24 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('cgroup paths', () => {
  it("reads a process's cgroup v2 path, not a v1 hierarchy's", () => {
    const content = '4:memory:/process_api/abc\n0::/system.slice/agent.service\n';
    expect(unifiedCgroupPath(content)).toBe('/system.slice/agent.service');
    expect(unifiedCgroupPath('4:memory:/process_api/abc\n')).toBeUndefined();
  });

  it('finds the directory of a cgroup under the cgroup2 mount, not under a v1 one', () => {
    expect(cgroupDirectory('/system.slice/agent.service', hybrid)).toBe(
      '/sys/fs/cgroup/unified/system.slice/agent.service',
    );
    expect(cgroupDirectory('/', hybrid)).toBe('/sys/fs/cgroup/unified');
  });

  it('finds it under a mount of part of the hierarchy, and not outside that part', () => {
    const part = '50 30 0:37 /agent /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw';
    expect(cgroupDirectory('/agent/tasks', part)).toBe('/mnt/my cgroup/tasks');
    expect(cgroupDirectory('/agents', part)).toBeUndefined();
  });

  it('has no directory without a cgroup2 mount (cgroup v1 only)', () => {
    expect(cgroupDirectory('/', hybrid.split('\n').slice(0, 2).join('\n'))).toBeUndefined();
  });

  it("tells the task's own cgroup from another task's, wherever the agent's cgroup is", () => {
    expect(isTaskCgroup(`/agent.service/${taskCgroupName('uid-1')}`, 'uid-1')).toBe(true);
    expect(isTaskCgroup(`/${taskCgroupName('uid-1')}`, 'uid-1')).toBe(true);
    expect(isTaskCgroup(`/${taskCgroupName('uid-12')}`, 'uid-1')).toBe(false);
    expect(isTaskCgroup('/agent.service', 'uid-1')).toBe(false);
  });
});
