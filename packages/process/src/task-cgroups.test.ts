import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskCgroups } from './task-cgroups.js';

describe('TaskCgroups', () => {
  const roots: string[] = [];
  const fakeProc = (cgroup: string, mountinfo: string) => {
    const root = mkdtempSync(join(tmpdir(), 'roundhouse-cgroups-'));
    roots.push(root);
    mkdirSync(join(root, 'self'));
    writeFileSync(join(root, 'self/cgroup'), cgroup);
    writeFileSync(join(root, 'self/mountinfo'), mountinfo);
    return root;
  };
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('says why tasks get no cgroup where only cgroup v1 is mounted, and moves no process', async () => {
    const proc = fakeProc(
      '4:memory:/x\n',
      '31 30 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw',
    );
    const cgroups = await TaskCgroups.open(proc);
    expect(cgroups.unavailable).toMatch(/no cgroup v2/);
    expect(await cgroups.enter('uid-1', process.pid)).toBe(false);
  });

  it("says why tasks get no cgroup where the agent's cgroup is not there to write in", async () => {
    const missing = join(tmpdir(), `roundhouse-no-such-cgroup-${process.pid}`);
    const proc = fakeProc('0::/\n', `40 30 0:37 / ${missing} rw - cgroup2 cgroup2 rw`);
    const cgroups = await TaskCgroups.open(proc);
    expect(cgroups.unavailable).toContain(`may not create cgroups in ${missing} (ENOENT)`);
  });
});
