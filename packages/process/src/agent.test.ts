import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@roundhouse/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startAgent } from './agent.js';
import { type AgentLogRead, TaskExecutorClient } from './agent-client.js';
import { loadAgentConfig } from './agent-config.js';
import { maxLogBytes } from './log-tail.js';

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('starting the agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roundhouse-agent-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("warns once, naming them, about OpenSandbox's flags it accepted and ignores", async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (_fields, message) => void warnings.push(message),
      error: () => {},
    };
    const argv = [
      '-data-dir',
      dir,
      '-listen-addr=127.0.0.1:0',
      '-cri-socket=/c.sock',
      '-log-dir=/l',
    ];
    const agent = await startAgent(loadAgentConfig(argv, {}), logger);
    await agent.stop();
    expect(warnings).toEqual([
      "accepted for compatibility with OpenSandbox's task-executor and ignored: --cri-socket, --log-dir",
    ]);
  });

  it('takes a reconcile interval finer than a millisecond, as a Go agent does', async () => {
    const argv = [`--data-dir=${join(dir, 'fine')}`, '--listen-addr=127.0.0.1:0'];
    const agent = await startAgent(
      loadAgentConfig([...argv, '--reconcile-interval=1500us'], {}),
      silent,
    );
    await agent.stop();
  });

  it('keeps of each task output what --retained-log-bytes says', async () => {
    const data = join(dir, 'retained');
    const argv = [
      `--data-dir=${data}`,
      '--listen-addr=127.0.0.1:0',
      '--reconcile-interval=50ms',
      '--retained-log-bytes=65536',
    ];
    const agent = await startAgent(loadAgentConfig(argv, {}), silent);
    try {
      const client = new TaskExecutorClient({ baseUrl: `http://127.0.0.1:${agent.port}` });
      await client.createTask({
        name: 'noisy',
        process: { command: ['sh', '-c', "head -c 300000 /dev/zero | tr '\\0' x"] },
      });
      // Once the task has ended, the next reconcile pass rotates what it wrote.
      const read = await vi.waitFor(
        async () => {
          const task = await client.getTask('noisy');
          expect(task?.processStatus?.terminated?.exitCode).toBe(0);
          const logs = await client.logs('noisy', { limitBytes: maxLogBytes });
          expect(logs?.truncated).toBe(true);
          return logs as AgentLogRead;
        },
        { timeout: 10_000, interval: 50 },
      );
      // The default (8 MiB) would keep all 300000 bytes.
      expect(read.content.length).toBeGreaterThanOrEqual(65_536);
      expect(read.content.length).toBeLessThanOrEqual(2 * 65_536);
      expect(read.content).toMatch(/^x+$/);
      expect(read.end).toBe(read.size);
      expect(read.offset).toBe(read.size - read.content.length);
      const onDisk = ['stdout.log', 'stdout.log.1'].map(
        (f) => statSync(join(data, 'noisy', f)).size,
      );
      expect(onDisk.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(2 * 65_536);
    } finally {
      await agent.stop();
    }
  }, 20_000);

  it('serves with the connection limits its flags set', async () => {
    const argv = [
      `--data-dir=${join(dir, 'limits')}`,
      '--listen-addr=127.0.0.1:0',
      '--max-connections=1',
      '--headers-timeout=100ms',
      '--request-timeout=200ms',
    ];
    const agent = await startAgent(loadAgentConfig(argv, {}), silent);
    try {
      const answers = (socket: Socket) =>
        new Promise<string>((resolve) => {
          let answer = '';
          socket.on('data', (chunk) => {
            answer += String(chunk);
          });
          socket.on('close', () => resolve(answer));
        });
      const holder = connect(agent.port, '127.0.0.1');
      const held = answers(holder);
      await once(holder, 'connect');
      // One connection is the cap: the second is closed unanswered, the first times out.
      expect(await answers(connect(agent.port, '127.0.0.1'))).toBe('');
      expect((await held).split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    } finally {
      await agent.stop();
    }
  });
});
