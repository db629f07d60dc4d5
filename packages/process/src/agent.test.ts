import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@roundhouse/core';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgent } from './agent.js';
import { loadAgentConfig } from './agent-config.js';

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
});
