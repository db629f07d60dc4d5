import { join } from 'node:path';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { ProcessSupervisor, type TaskRecord } from '../src/index.js';
import { removeAllTasks } from './in-process-agent.js';
import { patience, temporaryDirectory } from './support.js';

/** A test file's supervisor, open from before its first test until after its last. */
export interface SupervisorFixture {
  /** Where the file's tasks write what they leave behind; the data directory is inside it. */
  readonly dir: { readonly path: string };
  readonly dataDir: string;
  /** The supervisor open now: restart() replaces it. */
  readonly supervisor: ProcessSupervisor;
  /**
   * Closes the supervisor and opens another on the same data directory, as a restart does;
   * `whileDown` runs in between, to leave the directory as a crash at some point would.
   */
  restart(whileDown?: () => void): Promise<void>;
  /** Waits until the task has ended, whichever way, and returns it. */
  settled(name: string): Promise<TaskRecord>;
}

/**
 * Opens a supervisor over `<temp>/data` (a reconcile pass every 100 ms, a 1 s grace period)
 * before the file's tests; after them removes every task it runs, closes it and the directory.
 */
export function useSupervisor(prefix: string): SupervisorFixture {
  const dir = temporaryDirectory(prefix);
  const dataDir = join(dir.path, 'data');
  const open = () =>
    ProcessSupervisor.open({ dataDir, reconcileIntervalMs: 100, gracePeriodMs: 1000 });
  let current: ProcessSupervisor | undefined;
  const supervisor = () => {
    if (!current) throw new Error('useSupervisor() opens its supervisor only for tests and hooks');
    return current;
  };

  beforeAll(async () => {
    current = await open();
  });

  afterAll(async () => {
    await removeAllTasks(supervisor());
    await supervisor().close();
    dir.remove();
  });

  return {
    dir,
    dataDir,
    get supervisor() {
      return supervisor();
    },
    async restart(whileDown) {
      await supervisor().close();
      whileDown?.();
      current = await open();
    },
    settled: (name) =>
      vi.waitFor(() => {
        const task = supervisor().get(name);
        expect(task?.state).toMatch(/^(Succeeded|Failed|Unknown)$/);
        return task!;
      }, patience),
  };
}
