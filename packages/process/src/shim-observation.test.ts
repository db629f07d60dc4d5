import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessTable } from './process-table.js';
import { observeShim } from './shim-observation.js';
import { newRecord, observe, started } from './task-lifecycle.js';
import { TaskStore } from './task-store.js';

const shim = { pid: 4242, startTicks: '987654321', bootId: 'boot' };

describe("what a recorded shim's exit file says", () => {
  let dir: string;
  let store: TaskStore;
  let table: ProcessTable;
  const procRoot = () => join(dir, 'proc');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roundhouse-observe-'));
    mkdirSync(join(procRoot(), 'sys/kernel/random'), { recursive: true });
    writeFileSync(join(procRoot(), 'sys/kernel/random/boot_id'), 'boot\n');
    store = new TaskStore(join(dir, 'data'));
    await store.init();
    await store.createDirectory('t');
    table = new ProcessTable(procRoot());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const exitFile = (content: string) => writeFileSync(store.exitFile('t'), content);
  const shimRuns = () => {
    mkdirSync(join(procRoot(), String(shim.pid)));
    writeFileSync(
      join(procRoot(), String(shim.pid), 'stat'),
      `4242 (sh) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 ${shim.startTicks} 1000 10 1`,
    );
  };
  const running = () =>
    started(
      newRecord({ name: 't', process: { command: ['true'] } }, 'u', new Date()),
      shim,
      new Date(),
    );

  it('that the shim, now gone, never ran the command: the task is Pending again, not Lost', async () => {
    exitFile(`never-started ${shim.pid}\n`);
    const observed = await observeShim(store, table, 't', shim);
    expect(observed).toEqual({ shimAlive: false, neverStarted: true });
    expect(observe(running(), observed)).toMatchObject({ state: 'Pending', reason: 'Pending' });
  });

  it('that a stop kept the command from running, once the shim is gone, and nothing while it runs', async () => {
    exitFile(`stopped-before-start ${shim.pid}\n`);
    const observed = await observeShim(store, table, 't', shim);
    expect(observed).toEqual({ shimAlive: false, stoppedBeforeStart: expect.any(Date) });
    const stopping = {
      ...running(),
      stop: { cause: 'Deleted' as const, requestedAt: new Date().toISOString() },
    };
    expect(observe(stopping, observed)).toMatchObject({
      state: 'Failed',
      reason: 'Stopped',
      exitCode: 143,
      commandStarted: false,
    });
    shimRuns();
    expect(await observeShim(store, table, 't', shim)).toEqual({ shimAlive: true });
  });

  it("nothing of this shim when the marker is another shim's: gone without a status is Lost", async () => {
    exitFile('never-started 4243\n');
    const observed = await observeShim(store, table, 't', shim);
    expect(observed).toMatchObject({ shimAlive: false, goneBy: expect.any(Date) });
    expect(observed.neverStarted).toBeUndefined();
    expect(observe(running(), observed)).toMatchObject({ state: 'Unknown', reason: 'Lost' });
  });

  it('nothing, the shim gone, while a process of its group runs on: the task still runs', async () => {
    mkdirSync(join(procRoot(), '4250'));
    writeFileSync(
      join(procRoot(), '4250', 'stat'),
      `4250 (sleep) S 1 ${shim.pid} ${shim.pid} 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 999999999 1000 10 1`,
    );
    const observed = await observeShim(store, table, 't', shim);
    expect(observed).toEqual({ shimAlive: false, groupAlive: true });
    expect(observe(running(), observed)).toMatchObject({ state: 'Running' });
  });

  it('nothing yet while the shim that wrote it still runs', async () => {
    exitFile(`never-started ${shim.pid}\n`);
    shimRuns();
    expect(await observeShim(store, table, 't', shim)).toMatchObject({ shimAlive: true });
  });

  it('the exit status, which is not the marker', async () => {
    exitFile('3\n');
    expect(await store.readExit('t')).toMatchObject({ code: 3 });
    expect(await observeShim(store, table, 't', shim)).toMatchObject({
      exit: { code: 3 },
      shimAlive: false,
    });
    exitFile(`never-started ${shim.pid}\n`);
    expect(await store.readExit('t')).toBeUndefined();
  });
});
