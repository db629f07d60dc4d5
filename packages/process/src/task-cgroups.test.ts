import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopLogger } from '@roundhouse/core';
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

  it('says why tasks get no cgroup where only cgroup v1 is mounted', async () => {
    const proc = fakeProc(
      '4:memory:/x\n',
      '31 30 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw',
    );
    const cgroups = await TaskCgroups.open(proc);
    expect(cgroups.unavailable).toMatch(/no cgroup v2/);
  });

  it('says, naming the task, when a task cannot enter its cgroup and runs without one', async () => {
    const mount = mkdtempSync(join(tmpdir(), 'roundhouse-cgroup2-'));
    roots.push(mount);
    writeFileSync(join(mount, 'cgroup.procs'), '');
    // A file where the task's cgroup directory would go: the move fails.
    writeFileSync(join(mount, 'roundhouse-task-uid-2'), '');
    const proc = fakeProc('0::/\n', `40 30 0:37 / ${mount} rw - cgroup2 cgroup2 rw`);
    const warnings: unknown[] = [];
    const logger = { ...noopLogger, warn: (fields: unknown) => warnings.push(fields) };
    const cgroups = await TaskCgroups.open(proc, logger);
    expect(cgroups.unavailable).toBeUndefined();
    await cgroups.enter('uid-2', process.pid);
    expect(warnings).toEqual([{ task: 'uid-2', code: 'EEXIST' }]);
  });

  it("says why tasks get no cgroup where the agent's cgroup is not there to write in", async () => {
    const missing = join(tmpdir(), `roundhouse-no-such-cgroup-${process.pid}`);
    const proc = fakeProc('0::/\n', `40 30 0:37 / ${missing} rw - cgroup2 cgroup2 rw`);
    const cgroups = await TaskCgroups.open(proc);
    expect(cgroups.unavailable).toContain(`may not create cgroups in ${missing} (ENOENT)`);
  });
});
