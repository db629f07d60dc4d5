import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { hookLaunched } from './hook-lifecycle.js';
import { type Launched, ProcessLauncher } from './launcher.js';
import type { TaskRequest } from './process-spec.js';
import { ProcessTable } from './process-table.js';
import { ProcessSupervisor } from './supervisor.js';
import { newRecord, started } from './task-lifecycle.js';
import type { TaskRecord } from './task-record.js';
import { TaskStore } from './task-store.js';

const patience = { timeout: 15_000, interval: 50 };
const root = mkdtempSync(join(tmpdir(), 'roundhouse-never-started-'));
const supervisors: ProcessSupervisor[] = [];
afterAll(async () => {
  await Promise.all(supervisors.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

let count = 0;
function fixture() {
  const dir = join(root, String(++count));
  const runs = join(dir, 'runs');
  const note = (what: string) => ['/bin/sh', '-c', `echo ${what} >> ${runs}`];
  const ran = () => (existsSync(runs) ? readFileSync(runs, 'utf8') : '');
  return { dataDir: join(dir, 'data'), note, ran };
}

async function open(dataDir: string): Promise<ProcessSupervisor> {
  const supervisor = await ProcessSupervisor.open({ dataDir, reconcileIntervalMs: 100 });
  supervisors.push(supervisor);
  return supervisor;
}

/**
 * What a supervisor's create does up to the moment it would send the shim `go`: the Pending
 * record, the shim, its pid and the Running record with its identity, all durable. The agent
 * dying there is `abort()`: the kernel closes the shim's stdin before `go` was written.
 */
async function createUpToGo(dataDir: string, request: TaskRequest) {
  const store = new TaskStore(dataDir);
  await store.init();
  await store.createDirectory(request.name);
  const record = newRecord(request, `uid-${request.name}`, new Date());
  await store.write(record);
  const launcher = new ProcessLauncher(store, new ProcessTable(), {
    shell: '/bin/sh',
    nsenter: 'nsenter',
    mainContainerName: 'main',
    defaultMode: 'Local',
    environment: { PATH: process.env.PATH },
  });
  return { store, launcher, record };
}

async function launchAndRecord(dataDir: string, request: TaskRequest): Promise<Launched> {
  const { store, launcher, record } = await createUpToGo(dataDir, request);
  const launched = await launcher.launch(record, () => {});
  await store.writePid(request.name, launched.identity.pid);
  await store.write(started(record, launched.identity, new Date()));
  return launched;
}

describe('a task whose agent died after recording its shim and before sending it go', () => {
  it('is started by the next supervisor, once, and a create of it again runs nothing more', async () => {
    const { dataDir, note, ran } = fixture();
    const request = { name: 'crashed', process: { command: note('ran') } };
    await (await launchAndRecord(dataDir, request)).abort();

    const supervisor = await open(dataDir);
    await vi.waitFor(() => expect(supervisor.get('crashed')?.state).toBe('Succeeded'), patience);
    expect(supervisor.get('crashed')).toMatchObject({ uid: 'uid-crashed', exitCode: 0 });
    expect(ran()).toBe('ran\n');

    const again = await supervisor.create(request);
    expect(again).toMatchObject({ created: false, task: { uid: 'uid-crashed' } });
  });

  it("runs the command despite a stop file its first shim's stop left", async () => {
    const { dataDir, note, ran } = fixture();
    const request = { name: 'stale-stop', process: { command: note('ran') } };
    await (await launchAndRecord(dataDir, request)).abort();
    // A stop of that first run, before its shim was found never started, created the file.
    writeFileSync(new TaskStore(dataDir).stopFile('stale-stop'), '');

    const supervisor = await open(dataDir);
    await vi.waitFor(() => expect(supervisor.get('stale-stop')?.state).toBe('Succeeded'), patience);
    expect(ran()).toBe('ran\n');
  });

  it('is started once its shim, still waiting when the supervisor recovered, gives up', async () => {
    const { dataDir, note, ran } = fixture();
    const request = { name: 'waiting', process: { command: note('ran') } };
    const launched = await launchAndRecord(dataDir, request);

    const supervisor = await open(dataDir);
    expect(supervisor.get('waiting')).toMatchObject({ state: 'Running' });
    await launched.abort();

    await vi.waitFor(() => expect(supervisor.get('waiting')?.state).toBe('Succeeded'), patience);
    expect(supervisor.get('waiting')?.runtime?.pid).not.toBe(launched.identity.pid);
    expect(ran()).toBe('ran\n');
  });

  it('runs a preStart hook whose shim never got go, then the command, each once', async () => {
    const { dataDir, note, ran } = fixture();
    const preStart = { exec: { command: note('preStart') } };
    const request = { name: 'hooked', process: { command: note('ran'), lifecycle: { preStart } } };
    const { store, launcher, record } = await createUpToGo(dataDir, request);
    const launched = await launcher.launchHook(record, 'preStart', preStart, () => {});
    const withHook: TaskRecord = hookLaunched(record, 'preStart', launched.identity, new Date());
    await store.write(withHook);
    await launched.abort();

    const supervisor = await open(dataDir);
    await vi.waitFor(() => expect(supervisor.get('hooked')?.state).toBe('Succeeded'), patience);
    expect(supervisor.get('hooked')?.hooks?.preStart).toMatchObject({
      reason: 'PreStartHookCompleted',
      exitCode: 0,
    });
    expect(ran()).toBe('preStart\nran\n');
  });
});
