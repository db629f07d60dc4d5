import { join } from 'node:path';
import { vi } from 'vitest';
import { ProcessSupervisor, TaskExecutorClient, TaskExecutorServer } from '../src/index.js';
import { killTaskGroup, patience, temporaryDirectory } from './support.js';

export interface InProcessAgent {
  readonly url: string;
  readonly dir: string;
  readonly supervisor: ProcessSupervisor;
  readonly client: TaskExecutorClient;
  stop(): Promise<void>;
}

/** Deletes every task through the supervisor and waits until they are gone. */
export async function removeAllTasks(supervisor: ProcessSupervisor): Promise<void> {
  await supervisor.sync([]);
  await vi
    .waitFor(() => {
      if (supervisor.list().length > 0) throw new Error('tasks remain');
    }, patience)
    .catch(() => {
      for (const task of supervisor.list()) killTaskGroup(task.runtime);
    });
}

/** The agent's API over a supervisor in this process, on 127.0.0.1 and a free port. */
export async function startInProcessAgent(
  options: {
    authToken?: string;
    maxBodyBytes?: number;
    gracePeriodMs?: number;
    maxConcurrentTasks?: number;
  } = {},
): Promise<InProcessAgent> {
  const dir = temporaryDirectory('agent');
  const supervisor = await ProcessSupervisor.open({
    dataDir: join(dir.path, 'data'),
    reconcileIntervalMs: 100,
    gracePeriodMs: options.gracePeriodMs ?? 2000,
    maxConcurrentTasks: options.maxConcurrentTasks,
  });
  const server = new TaskExecutorServer({
    supervisor,
    authToken: options.authToken,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  const { port } = await server.listen('127.0.0.1', 0);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    dir: dir.path,
    supervisor,
    client: new TaskExecutorClient({ baseUrl: url, token: options.authToken }),
    async stop() {
      await removeAllTasks(supervisor);
      await server.close();
      await supervisor.close();
      dir.remove();
    },
  };
}
