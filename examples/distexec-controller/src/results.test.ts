import { maxObjectBytes, storedObjectBytes } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import {
  describeOutcome,
  finishedEntry,
  maxDistExecBytes,
  rejectedEntry,
  resultNodes,
  runningEntry,
  summarize,
  withResults,
  withResultsWithin,
} from './results.js';
import { type NodeResult, resultsOf } from './spec.js';

const now = new Date('2026-03-04T05:06:07.890Z');
const done = (generation: number, phase: 'Succeeded' | 'Failed'): NodeResult => ({
  phase,
  attempts: 1,
  observedGeneration: generation,
});

describe('entries', () => {
  it('a running entry names its attempt and generation, in whole seconds', () => {
    expect(runningEntry(3, 2, now, 'attempt 1 ended Failed; retrying')).toEqual({
      phase: 'Running',
      message: 'attempt 1 ended Failed; retrying',
      startedAt: '2026-03-04T05:06:07Z',
      attempts: 2,
      observedGeneration: 3,
    });
  });

  it("a finished entry keeps the attempt's output, exit code and times", () => {
    const outcome = {
      succeeded: false,
      reason: 'Failed',
      message: 'the process exited with code 3',
      exitCode: 3,
      stdout: 'out',
      stderr: 'err',
      outputTruncated: true,
      finishedAt: '2026-03-04T05:06:09Z',
    };
    expect(finishedEntry(1, 2, outcome, now, runningEntry(1, 2, now))).toEqual({
      phase: 'Failed',
      reason: 'Failed',
      message: 'the process exited with code 3',
      exitCode: 3,
      stdout: 'out',
      stderr: 'err',
      outputTruncated: true,
      startedAt: '2026-03-04T05:06:07Z',
      finishedAt: '2026-03-04T05:06:09Z',
      attempts: 2,
      observedGeneration: 1,
    });
    expect(finishedEntry(1, 1, { succeeded: true, reason: 'Completed' }, now)).toEqual({
      phase: 'Succeeded',
      reason: 'Completed',
      finishedAt: '2026-03-04T05:06:07Z',
      attempts: 1,
      observedGeneration: 1,
    });
  });

  it("a finished entry's message quotes control and format characters as escapes, keeping lines and tabs, and the output as written", () => {
    const log = 'full\n\u001b]0;root@prod\u0007\u202e\tdone';
    const outcome = { succeeded: false, reason: 'Error', message: log, stdout: log };
    expect(finishedEntry(1, 1, outcome, now)).toMatchObject({
      message: 'full\n\\x1b]0;root@prod\\x07\\u202e\tdone',
      stdout: log,
    });
  });

  it('a refused spec ran nothing', () => {
    expect(rejectedEntry(4, 'spec.command: bad', now)).toMatchObject({
      phase: 'Failed',
      reason: 'InvalidSpec',
      attempts: 0,
      observedGeneration: 4,
    });
  });

  it('describes a failed attempt in one line', () => {
    expect(describeOutcome(1, { succeeded: false, reason: 'Failed', exitCode: 3 })).toBe(
      'attempt 1 ended Failed with exit code 3',
    );
    expect(describeOutcome(2, { succeeded: false, reason: 'Lost' })).toBe('attempt 2 ended Lost');
  });
});

describe('summarize', () => {
  it('counts only entries of the current generation on selected nodes as finished', () => {
    const results = {
      a: done(2, 'Succeeded'),
      b: done(2, 'Failed'),
      c: done(1, 'Succeeded'), // older generation: pending
      d: runningEntry(2, 1, now),
      gone: done(2, 'Succeeded'), // not selected: not counted
    };
    expect(summarize(results, 2, ['a', 'b', 'c', 'd', 'e'])).toEqual({
      nodes: 5,
      succeeded: 1,
      failed: 1,
      pending: 3,
    });
  });
});

describe('withResults', () => {
  it("sets and removes the named nodes only, keeping other writers' entries and fields", () => {
    const status = {
      results: { a: done(1, 'Succeeded'), b: done(1, 'Failed'), odd: { phase: 'Exploded' } },
      extra: 'kept',
    };
    const next = withResults(status, { a: undefined, c: done(1, 'Succeeded') }, 1, ['b', 'c']);
    expect(next).toEqual({
      results: { b: done(1, 'Failed'), odd: { phase: 'Exploded' }, c: done(1, 'Succeeded') },
      extra: 'kept',
      summary: { nodes: 2, succeeded: 1, failed: 1, pending: 0 },
    });
    expect(status.results.a).toBeDefined();
  });

  it('starts from nothing', () => {
    expect(withResults(undefined, { a: done(1, 'Succeeded') }, 1, ['a'])).toEqual({
      results: { a: done(1, 'Succeeded') },
      summary: { nodes: 1, succeeded: 1, failed: 0, pending: 0 },
    });
    expect(resultNodes({ results: { a: 1, b: 2 } })).toEqual(['a', 'b']);
    expect(resultNodes(null)).toEqual([]);
  });
});

describe('withResultsWithin', () => {
  const distExec = (status: unknown) => ({
    metadata: { name: 'big', namespace: 'ops', managedFields: [{ manager: 'agent' }] },
    spec: { shell: 'cat /dev/urandom | head -c 65536' },
    status,
  });
  const finished = (output: string, message?: string): NodeResult => ({
    ...done(1, 'Failed'),
    reason: 'Failed',
    ...(message ? { message } : {}),
    exitCode: 1,
    stdout: output,
    stderr: output,
  });

  it('keeps the output while the DistExec stays within its size', () => {
    const entry = finished('out\n');
    const status = withResultsWithin(distExec(undefined), { a: entry }, 1, ['a']);
    expect(status.results).toEqual({ a: entry });
  });

  it('writes an entry without its output once the DistExec would outgrow what etcd stores', () => {
    // 64 KiB of control characters per stream is 384 KiB of JSON each: a handful of nodes
    // printing it would make the object too large to store, and every later write would fail.
    const noise = '\u0001'.repeat(65_536);
    const others = { a: finished(noise), b: finished('fine') };
    const object = distExec({ results: others });
    const status = withResultsWithin(
      object,
      { c: finished(noise, `exit 1: ${'x'.repeat(5_000)}`) },
      1,
      ['a', 'b', 'c'],
    );
    const results = status.results as Record<string, NodeResult>;
    // Other writers' entries are theirs to keep or shrink.
    expect(results.a).toEqual(others.a);
    expect(results.b).toEqual(others.b);
    expect(results.c).toEqual({
      ...done(1, 'Failed'),
      reason: 'Failed',
      exitCode: 1,
      message: expect.stringMatching(
        /^exit 1: x+…; output not kept: the DistExec's status is near the most an object can hold/,
      ),
      outputTruncated: true,
    });
    expect(results.c?.message?.indexOf('…')).toBe(255);
    expect(status.summary).toEqual({ nodes: 3, succeeded: 0, failed: 3, pending: 0 });
    expect(Buffer.byteLength(JSON.stringify({ ...object, status }))).toBeLessThan(1_572_864);
    expect(maxDistExecBytes).toBeLessThan(1_572_864);
  });

  /** Every node in turn writing its entry of `generation`, each printing `output` on both streams. */
  const writeEvery = (object: KubeObject, nodes: string[], generation: number, output: string) => {
    let current = object;
    for (const node of nodes) {
      const entry = { ...finished(output), observedGeneration: generation };
      current = {
        ...current,
        status: withResultsWithin(current, { [node]: entry }, generation, nodes),
      };
    }
    return current;
  };
  const nodeNames = (count: number) =>
    Array.from(
      { length: count },
      (_, i) => `ip-10-0-${i >> 8}-${i & 255}.eu-west-1.compute.internal`,
    );
  // As the informer cache holds it: without managedFields.
  const cached: KubeObject = {
    metadata: { name: 'big', namespace: 'ops' },
    spec: { command: 'uname -a' },
  };

  it("leaves room for every selected node's entry, however much the first nodes print", () => {
    // A kilobyte of "<" per stream is 12 KiB per node as stored: the first hundred nodes kept
    // all of it and filled the object, and the entries of 250 nodes outgrew it (the last
    // writes refused). 250, not more: every write sizes the whole object, each a few ms.
    const nodes = nodeNames(250);
    const object = writeEvery(cached, nodes, 1, '<'.repeat(1_024));
    const results = resultsOf(object.status);
    expect(Object.keys(results)).toHaveLength(250);
    expect(storedObjectBytes(object)).toBeLessThanOrEqual(maxObjectBytes);
    // The room left over still goes to output, first come first served.
    expect(results[nodes[0] as string]?.stdout).toBe('<'.repeat(1_024));
    expect(results[nodes[249] as string]).toMatchObject({ outputTruncated: true, exitCode: 1 });
    expect(results[nodes[249] as string]?.stdout).toBeUndefined();
  });

  it('at 3,000 nodes still records what ran on every one, each write within what etcd stores', () => {
    // Compact entries of 3,000 nodes of cloud-length names outgrow the object: the last
    // hundred nodes' writes were refused by the API server, and retried for ever.
    const nodes = nodeNames(3_000);
    const stamp = '2026-03-04T05:06:07Z';
    let object = cached;
    for (let from = 0; from < nodes.length; from += 750) {
      const batch = nodes.slice(from, from + 750);
      const entry = { ...finished('<'.repeat(64)), startedAt: stamp, finishedAt: stamp };
      const changes = Object.fromEntries(batch.map((node) => [node, entry]));
      object = { ...object, status: withResultsWithin(object, changes, 1, nodes) };
      expect(storedObjectBytes(object)).toBeLessThanOrEqual(maxObjectBytes);
    }
    const results = resultsOf(object.status);
    expect(Object.keys(results)).toHaveLength(3_000);
    for (const node of nodes) {
      expect(results[node]).toMatchObject({ phase: 'Failed', exitCode: 1, attempts: 1 });
    }
    expect(object.status).toMatchObject({
      summary: { nodes: 3_000, succeeded: 0, failed: 3_000, pending: 0 },
    });
  });

  it('keeps output after a spec change as before it: an older entry gives its room back', () => {
    const nodes = nodeNames(90);
    const first = writeEvery(cached, nodes, 1, '<'.repeat(1_024));
    const second = writeEvery(first, nodes, 2, '>'.repeat(1_024));
    const results = resultsOf(second.status);
    for (const node of nodes) expect(results[node]?.stdout).toBe('>'.repeat(1_024));
  });

  it("counts what the API server writes for it: Go's JSON escapes <, > and & in six bytes", () => {
    // 3 nodes' 2 x 64 KiB of "<" is 384 KiB as JSON.stringify counts it, 2.25 MiB as stored.
    const arrows = '<'.repeat(65_536);
    const object = distExec({ results: { a: finished(arrows), b: finished(arrows) } });
    const status = withResultsWithin(object, { c: finished(arrows) }, 1, ['a', 'b', 'c']);
    const results = status.results as Record<string, NodeResult>;
    expect(results.c?.stdout).toBeUndefined();
    expect(results.c?.outputTruncated).toBe(true);
  });
});
