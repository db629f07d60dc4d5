import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarOneFile } from './tar.js';

describe('tarOneFile', () => {
  it('writes an archive the tar tool extracts to the same file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-test-'));
    try {
      const content = Buffer.from(`${'x'.repeat(700)}\n`);
      writeFileSync(join(dir, 'a.tar'), tarOneFile('pipeline-workflow', content));
      expect(execFileSync('tar', ['-tvf', 'a.tar'], { cwd: dir, encoding: 'utf8' })).toMatch(
        /^-rw-r--r-- .* 701 .*pipeline-workflow\n$/,
      );
      execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
      expect(readFileSync(join(dir, 'pipeline-workflow'))).toEqual(content);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the same bytes for the same content, so layer digests are stable', () => {
    const a = tarOneFile('t', Buffer.from('same'));
    expect(tarOneFile('t', Buffer.from('same'))).toEqual(a);
    expect(a.length % 512).toBe(0);
  });
});
