import { join } from 'node:path';
import { ProcessSupervisor, TaskExecutorClient, TaskExecutorServer } from '../src/index.js';
import { killGroup, temporaryDirectory } from './support.js';

export interface InProcessAgent {
  readonly url: string;
  readonly dir: string;
  readonly supervisor: ProcessSupervisor;
  readonly client: TaskExecutorClient;
  stop(): Promise<void>;
}

/** The agent's API over a supervisor in this process, on 127.0.0.1 and a free port. */
export async function startInProcessAgent(
  options: { authToken?: string; maxBodyBytes?: number; gracePeriodMs?: number } = {},
): Promise<InProcessAgent> {
  const dir = temporaryDirectory('agent');
  const supervisor = await ProcessSupervisor.open({
    dataDir: join(dir.path, 'data'),
    reconcileIntervalMs: 100,
    gracePeriodMs: options.gracePeriodMs ?? 2000,
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
      for (const task of supervisor.list()) killGroup(task.runtime?.pid);
      await server.close();
      await supervisor.close();
      dir.remove();
    },
  };
}
