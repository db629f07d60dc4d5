import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Conventions, kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import { describeExecutorConformance } from '@roundhouse/core/testing/conformance';
import { AgentExecutor, TaskExecutorClient } from '@roundhouse/process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AgentProcess,
  killAgent,
  spawnAgent,
} from '../../packages/process/test/agent-process.js';
import { processConformanceHarness } from '../../packages/process/test/conformance-harness.js';
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

  const presets: [string, Conventions][] = [
    ['roundhouse', roundhouseConventions],
    ['kubernaut', kubernautConventions],
  ];
  for (const [preset, conventions] of presets) {
    describe(`with the ${preset} conventions`, () => {
      // One harness per preset, made on first use (after beforeAll), so its sequence of
      // targets keeps counting across checks and no two checks share a lock.
      let made: ReturnType<typeof processConformanceHarness> | undefined;
      const harness = () =>
        (made ??= processConformanceHarness({
          executor: new AgentExecutor(client, { conventions }),
          controlDir: dir.path,
          engine: 'agent',
          conventions,
          prefix: `agent-${preset}`,
        }));

      describeExecutorConformance(`agent (${preset})`, harness);

      it(`labels its task with the ${conventions.labelPrefix} owner labels`, async () => {
        const h = harness();
        const wfe = h.makeExecution();
        const { resourceName } = await h.executor.create(wfe, h.namespace);
        expect((await client.getTask(resourceName))?.labels).toMatchObject({
          [`${conventions.labelPrefix}workflow-execution`]: wfe.metadata.name,
          [`${conventions.labelPrefix}source-namespace`]: wfe.metadata.namespace,
        });
        await h.executor.cleanup(wfe, h.namespace);
      });
    });
  }
});
