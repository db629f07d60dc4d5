import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { cliCommand, repoRoot } from './support.js';

it('ends quietly, with SIGPIPE status as kubectl, when the reader of its output is gone (| head)', async () => {
  const [node, ...args] = cliCommand(['crd']) as [string, ...string[]];
  const child = spawn(node, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  // The reader goes before the CLI writes (it takes a moment to start): every write fails EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(141);
});
