import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inProcess } from '../test/support.js';
import { runTaskCli } from './task-cli.js';
import { terminal } from './terminal.js';

const clear = '\x1b[2J\x1b]52;c;Y3VybA==\x07';

async function taskCli(args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stderr = '';
  err.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await runTaskCli(args, {
    term: terminal(out, err, {}),
    env: {},
    signal: new AbortController().signal,
  });
  return { code, stderr };
}

describe('usage errors', () => {
  it('quote what was typed with its control characters escaped', async () => {
    for (const args of [
      [`--x${clear}`],
      [`cmd${clear}`],
      ['get', '-o', `yaml${clear}`],
      ['logs', 'x', '--tail', clear],
      ['completion', clear],
    ]) {
      const { code, stdout, stderr } = await inProcess(args);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).not.toContain('\x1b');
      expect(stderr).not.toContain('\x07');
      expect(stderr).toContain('\\x1b[2J\\x1b]52;c;Y3VybA==\\x07');
    }
  });

  it('are escaped in kubectl task too, with its exit code', async () => {
    const { code, stderr } = await taskCli([`--x${clear}`]);
    expect(code).toBe(1);
    expect(stderr).not.toContain('\x1b');
    expect(stderr).not.toContain('\x07');
    expect(stderr).toContain("unknown option '--x\\x1b[2J");
  });
});
