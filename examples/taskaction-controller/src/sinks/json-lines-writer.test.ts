import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchingEventSink } from '@roundhouse/controller';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLinesEventWriter } from './json-lines-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'events-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('JsonLinesEventWriter', () => {
  it('appends one line per event and keeps an id once, within and across batches', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new BatchingEventSink(
      await JsonLinesEventWriter.open<{ id: string; n: number }>(path),
      { maxBatchSize: 2 },
    );
    await Promise.all([sink.record({ id: 'a', n: 1 }), sink.record({ id: 'a', n: 2 })]);
    await Promise.all([sink.record({ id: 'a', n: 3 }), sink.record({ id: 'b', n: 4 })]);
    expect(await lines(path)).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 4 },
    ]);
  });

  it('remembers the ids already in the file after a restart, past a torn last line', async () => {
    const path = join(dir, 'events.jsonl');
    await appendFile(path, '{"id":"a"}\n{"id":"b","tor');
    const writer = await JsonLinesEventWriter.open<{ id: string }>(path);
    await writer.write([{ id: 'a' }, { id: 'c' }]);
    const text = await readFile(path, 'utf8');
    expect(text).toBe('{"id":"a"}\n{"id":"b","tor\n{"id":"c"}\n');
  });
});
