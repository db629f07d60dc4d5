import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findMainProcess, mainContainerVariable } from './main-container.js';
import { ProcessTable } from './process-table.js';
import { StartFailedError } from './task-errors.js';

const agentNamespace = 'mnt:[4026531840]';
const mainNamespace = 'mnt:[4026532201]';
const restartedMainNamespace = 'mnt:[4026532377]';

/** A fake procfs: `self` is the agent, in `agentNamespace`. */
describe("finding the main container's process", () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'proc-'));
    mkdirSync(join(root, 'self/ns'), { recursive: true });
    symlinkSync(agentNamespace, join(root, 'self/ns/mnt'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const proc = (
    pid: number,
    fields: { ticks: number; session?: number; namespace: string; marked?: boolean },
  ) => {
    const dir = join(root, String(pid));
    mkdirSync(join(dir, 'ns'), { recursive: true });
    const session = fields.session ?? pid;
    writeFileSync(
      join(dir, 'stat'),
      `${pid} (sh) S 1 ${pid} ${session} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${fields.ticks} 1000 10`,
    );
    const mark = fields.marked === false ? [] : [`${mainContainerVariable}=main`];
    writeFileSync(join(dir, 'environ'), ['PATH=/bin', ...mark, ''].join('\0'));
    symlinkSync(fields.namespace, join(dir, 'ns/mnt'));
  };

  const find = () => findMainProcess(new ProcessTable(root), 'main');

  it("chooses the main container over an older shim in the agent's namespace", async () => {
    proc(50, { ticks: 50, namespace: agentNamespace });
    proc(200, { ticks: 200, namespace: mainNamespace });
    expect(await find()).toBe(200);
  });

  it("passes over a Remote task's command left in a restarted container's namespace", async () => {
    // The shim (session leader, agent's namespace) and its command (entered, previous main).
    proc(50, { ticks: 50, namespace: agentNamespace });
    proc(51, { ticks: 51, session: 50, namespace: mainNamespace });
    proc(200, { ticks: 200, namespace: restartedMainNamespace });
    expect(await find()).toBe(200);
  });

  it('passes over a process whose session leader is gone', async () => {
    proc(60, { ticks: 60, session: 59, namespace: mainNamespace });
    proc(200, { ticks: 200, namespace: restartedMainNamespace });
    expect(await find()).toBe(200);
  });

  it('takes the first started of the main container, as its first process', async () => {
    proc(300, { ticks: 300, session: 200, namespace: mainNamespace });
    proc(200, { ticks: 200, namespace: mainNamespace });
    proc(100, { ticks: 100, namespace: restartedMainNamespace, marked: false });
    expect(await find()).toBe(200);
  });

  it("refuses when every marked process is in the agent's namespace", async () => {
    proc(50, { ticks: 50, namespace: agentNamespace });
    proc(70, { ticks: 70, session: 50, namespace: agentNamespace });
    const error = await find().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartFailedError);
    expect(error).toMatchObject({
      reason: 'StartFailed',
      message: expect.stringContaining("the agent's own mount namespace"),
    });
    expect((error as Error).message).toContain('shareProcessNamespace');
  });

  it('refuses, naming the variable, when no process is marked', async () => {
    proc(200, { ticks: 200, namespace: mainNamespace, marked: false });
    await expect(find()).rejects.toThrow(`no process has ${mainContainerVariable}=main`);
  });
});
