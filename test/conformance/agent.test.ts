import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentExecutor, TaskExecutorClient } from '@roundhouse/process';
import { afterAll, beforeAll, describe, expect, vi } from 'vitest';
import {
  type AgentProcess,
  killAgent,
  spawnAgent,
} from '../../packages/process/test/agent-process.js';
import { describeProcessEngineConformance } from '../../packages/process/test/conformance-harness.js';
import { patience, temporaryDirectory } from '../../packages/process/test/support.js';

/** The `agent` engine driving a roundhouse-task-executor process over HTTP, with a token. */
describe('agent engine conformance', () => {
  const dir = temporaryDirectory('conformance-agent');
  const token = 'conformance-token-91b3';
  let agent: AgentProcess;
  let client: TaskExecutorClient;

  beforeAll(async () => {
    const tokenFile = join(dir.path, 'token');
    writeFileSync(tokenFile, token);
    agent = await spawnAgent([
      `--data-dir=${join(dir.path, 'data')}`,
      '--listen-addr=127.0.0.1:0',
      '--reconcile-interval=100ms',
      '--grace-period=2s',
      `--auth-token-file=${tokenFile}`,
    ]);
    client = new TaskExecutorClient({ baseUrl: agent.url, token });
  });

  afterAll(async () => {
    await client.setTasks([]);
    await vi.waitFor(async () => expect(await client.listTasks()).toEqual([]), patience);
    await killAgent(agent, 'SIGTERM');
    dir.remove();
  });

  describeProcessEngineConformance({
    engine: 'agent',
    bundleRoot: join(dir.path, 'bundles'),
    controlDir: dir.path,
    executor: (settings) => new AgentExecutor(client, settings),
    labelsOf: async (name) => (await client.getTask(name))?.labels,
  });
});
