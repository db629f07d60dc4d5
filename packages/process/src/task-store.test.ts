import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskStore } from './task-store.js';

describe("a task's stop file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roundhouse-task-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created by a stop, and a second stop of the same run is fine', async () => {
    const store = new TaskStore(join(dir, 'data'));
    await store.init();
    await store.createDirectory('t');
    await store.markStopping('t');
    await store.markStopping('t');
    expect(readFileSync(store.stopFile('t'), 'utf8')).toBe('');
  });

  it('never writes through a link a Local task put in its place', async () => {
    const store = new TaskStore(join(dir, 'data'));
    await store.init();
    await store.createDirectory('t');
    const victim = join(dir, 'token');
    writeFileSync(victim, 'secret\n');
    symlinkSync(victim, store.stopFile('t'));
    await store.markStopping('t');
    expect(readFileSync(victim, 'utf8')).toBe('secret\n');
  });
});
