import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file and leaves no temporary file behind', async () => {
    const path = join(dir, 'task.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it('removes its temporary file when the replace fails, and keeps the old content', async () => {
    // A directory in the way makes the rename fail after the temporary file was written,
    // as a full disk makes the write fail after it was created.
    const path = join(dir, 'stdout.log.1');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'x');
    await expect(writeFileAtomic(path, 'kept tail')).rejects.toMatchObject({
      code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/),
    });
    expect(existsSync(`${path}.tmp`)).toBe(false);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('x');
  });
});
