import { AbortedError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { BatchingEventSink, type EventBatchWriter, EventSinkClosedError } from './event-sink.js';

class Writer implements EventBatchWriter<string> {
  readonly batches: string[][] = [];
  failing: Error | undefined;

  async write(events: readonly string[]): Promise<void> {
    if (this.failing) throw this.failing;
    this.batches.push([...events]);
  }
}

/** Lets promise callbacks run, so settled records are visible. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchingEventSink', () => {
  it('writes a batch once it is full, without waiting for the delay', async () => {
    const writer = new Writer();
    const sink = new BatchingEventSink(writer, {
      maxBatchSize: 3,
      maxDelayMs: 1000,
      clock: new ManualClock(),
    });
    await Promise.all(['a', 'b', 'c'].map((e) => sink.record(e)));
    expect(writer.batches).toEqual([['a', 'b', 'c']]);
  });

  it('writes a partial batch after the delay, and each record resolves only then', async () => {
    const clock = new ManualClock();
    const writer = new Writer();
    const sink = new BatchingEventSink(writer, { maxBatchSize: 10, maxDelayMs: 25, clock });
    let done = false;
    const recorded = Promise.all([sink.record('a'), sink.record('b')]).then(() => {
      done = true;
    });
    clock.advance(24);
    await settle();
    expect(done).toBe(false);
    expect(writer.batches).toEqual([]);
    clock.advance(1);
    await recorded;
    expect(writer.batches).toEqual([['a', 'b']]);
  });

  it('lets a record whose signal aborts return at once, while its batch still waits or is written', async () => {
    const clock = new ManualClock();
    // An events service that stopped answering: the write never ends.
    const writes: string[][] = [];
    const stalled: EventBatchWriter<string> = {
      write: (events) => {
        writes.push([...events]);
        return new Promise(() => {});
      },
    };
    const sink = new BatchingEventSink(stalled, { maxBatchSize: 10, maxDelayMs: 25, clock });
    // A reconcile told to stop (shutdown, a lost lease) must not hang in the sink.
    const writing = new AbortController();
    const inBatch = sink.record('a', { signal: writing.signal });
    clock.advance(25);
    await settle();
    expect(writes).toEqual([['a']]);
    writing.abort(new Error('shutting down'));
    await expect(inBatch).rejects.toBeInstanceOf(AbortedError);
    // One aborted before its batch is cut is not written at all.
    const waiting = new AbortController();
    const pending = sink.record('b', { signal: waiting.signal });
    const kept = sink.record('c');
    waiting.abort(new Error('shutting down'));
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    clock.advance(25);
    await settle();
    expect(writes).toEqual([['a'], ['c']]);
    void kept;
  });

  it('rejects every record of a batch that failed to be written', async () => {
    const clock = new ManualClock();
    const writer = new Writer();
    writer.failing = new Error('events service unavailable');
    const sink = new BatchingEventSink(writer, { maxBatchSize: 2, clock });
    const results = await Promise.allSettled([sink.record('a'), sink.record('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    writer.failing = undefined;
    await Promise.all([sink.record('a'), sink.record('b')]);
    expect(writer.batches).toEqual([['a', 'b']]);
  });

  it('flushes on close and then refuses records', async () => {
    const writer = new Writer();
    const sink = new BatchingEventSink(writer, { maxDelayMs: 60_000, clock: new ManualClock() });
    const pending = sink.record('a');
    await sink.close();
    await pending;
    expect(writer.batches).toEqual([['a']]);
    await expect(sink.record('b')).rejects.toBeInstanceOf(EventSinkClosedError);
  });

  it('refuses a record whose signal has aborted', async () => {
    const sink = new BatchingEventSink(new Writer(), { clock: new ManualClock() });
    expect(() => sink.record('a', { signal: AbortSignal.abort() })).toThrow(/aborted/);
  });
});
