import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RefreshingFile } from './refreshing-file.js';

const dir = mkdtempSync(join(tmpdir(), 'roundhouse-refreshing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reads the file again once it is a minute old, keeping the same Buffer while it is unchanged', () => {
  const path = join(dir, 'token');
  writeFileSync(path, 'one');
  let now = 0;
  const file = new RefreshingFile(path, { now: () => now });
  const first = file.read();
  expect(first.toString()).toBe('one');
  writeFileSync(path, 'two');
  now = 59_000;
  expect(file.read()).toBe(first);
  now = 60_000;
  expect(file.read().toString()).toBe('two');
  const second = file.read();
  now = 200_000;
  expect(file.read()).toBe(second);
});
