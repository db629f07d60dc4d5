import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  entryAfter,
  holdsFinalizer,
  type NodeSituation,
  type NodeStep,
  nodeStep,
  type Observation,
  sameStep,
} from './plan.js';
import type { Outcome } from './results.js';
import type { NodeResult } from './spec.js';

const now = new Date('2026-03-04T05:06:07Z');
const spec = { valid: true as const, value: { shell: 'true', retries: 1 } };
const failed: Outcome = { succeeded: false, reason: 'Failed', exitCode: 3 };
const succeeded: Outcome = { succeeded: true, reason: 'Completed', exitCode: 0 };
const running = (attempts: number, generation = 2): NodeResult => ({
  phase: 'Running',
  attempts,
  observedGeneration: generation,
});

const situation = (overrides: Partial<NodeSituation>): NodeSituation => ({
  generation: 2,
  spec,
  selected: true,
  entry: undefined,
  observation: { kind: 'none' },
  maxAttempts: 2,
  ...overrides,
});

describe('nodeStep', () => {
  it.each<[string, Partial<NodeSituation>, NodeStep]>([
    ['no entry: attempt 1', {}, { kind: 'start', attempt: 1, spec: spec.value }],
    [
      'an entry of an older generation: attempt 1 again',
      { entry: { phase: 'Succeeded', attempts: 1, observedGeneration: 1 } },
      { kind: 'start', attempt: 1, spec: spec.value },
    ],
    [
      'an invalid spec: refused once',
      { spec: { valid: false, message: 'spec: bad' } },
      { kind: 'reject', message: 'spec: bad' },
    ],
    ['not selected, no entry: nothing', { selected: false }, { kind: 'settled' }],
    [
      'not selected, an entry: it goes',
      { selected: false, entry: running(1) },
      { kind: 'exclude' },
    ],
    [
      'running: wait',
      { entry: running(1), observation: { kind: 'running' } },
      { kind: 'wait', attempt: 1 },
    ],
    [
      'succeeded: record it',
      { entry: running(1), observation: { kind: 'finished', outcome: succeeded } },
      { kind: 'finish', attempt: 1, outcome: succeeded },
    ],
    [
      'failed with attempts left: the next attempt',
      { entry: running(1), observation: { kind: 'finished', outcome: failed } },
      { kind: 'start', attempt: 2, spec: spec.value, after: failed },
    ],
    [
      'failed on the last attempt: record it',
      { entry: running(2), observation: { kind: 'finished', outcome: failed } },
      { kind: 'finish', attempt: 2, outcome: failed },
    ],
    [
      'recorded: nothing runs again',
      { entry: { phase: 'Failed', attempts: 2, observedGeneration: 2 } },
      { kind: 'settled' },
    ],
    [
      'a refusal of a spec an older agent started',
      {
        entry: running(1),
        spec: { valid: false, message: 'spec: bad' },
        observation: { kind: 'finished', outcome: failed },
      },
      { kind: 'reject', message: 'spec: bad' },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(nodeStep(situation(overrides))).toEqual(expected);
  });

  it('an attempt without a record is Lost, never run again as the same attempt', () => {
    const step = nodeStep(situation({ entry: running(2) }));
    expect(step).toMatchObject({ kind: 'finish', attempt: 2, outcome: { reason: 'Lost' } });
  });
});

describe('entryAfter and the finalizer', () => {
  it('writes the running, finished, refused and removed entries; waiting writes nothing', () => {
    expect(
      entryAfter({ kind: 'start', attempt: 2, spec: spec.value, after: failed }, 2, undefined, now),
    ).toEqual({
      phase: 'Running',
      message: 'attempt 1 ended Failed with exit code 3; retrying',
      startedAt: '2026-03-04T05:06:07Z',
      attempts: 2,
      observedGeneration: 2,
    });
    expect(
      entryAfter({ kind: 'finish', attempt: 1, outcome: succeeded }, 2, running(1), now),
    ).toMatchObject({
      phase: 'Succeeded',
      exitCode: 0,
    });
    expect(entryAfter({ kind: 'reject', message: 'bad' }, 2, undefined, now)).toMatchObject({
      reason: 'InvalidSpec',
    });
    expect(entryAfter({ kind: 'exclude' }, 2, running(1), now)).toBeUndefined();
    expect(entryAfter({ kind: 'wait', attempt: 1 }, 2, running(1), now)).toBeNull();
    expect(entryAfter({ kind: 'settled' }, 2, running(1), now)).toBeNull();
  });

  it('is held only while a command may run', () => {
    expect(holdsFinalizer({ kind: 'start', attempt: 1, spec: spec.value })).toBe(true);
    expect(holdsFinalizer({ kind: 'wait', attempt: 1 })).toBe(true);
    expect(holdsFinalizer({ kind: 'finish', attempt: 1, outcome: failed })).toBe(false);
    expect(sameStep({ kind: 'wait', attempt: 1 }, { kind: 'wait', attempt: 2 })).toBe(false);
  });
});

/**
 * A node driven by the planner alone, through any interleaving of reconciles, attempts ending
 * and spec changes: it never makes more than `retries + 1` attempts of a generation, never
 * starts one again after recording it, and always records every generation in the end.
 */
describe('nodeStep over any history', () => {
  const event = fc.constantFrom('reconcile', 'reconcile', 'end', 'change');
  it('keeps the attempt bound and the at-most-once record', () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 60 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.boolean(), { minLength: 1 }),
        (events, retries, results) => {
          const maxAttempts = retries + 1;
          let generation = 1;
          let entry: NodeResult | undefined;
          const starts = new Map<number, number>();
          const recorded = new Set<number>();
          const tasks = new Map<string, Observation>();
          let outcomes = 0;
          const reconcile = () => {
            const current =
              entry?.phase === 'Running' && entry.observedGeneration === generation
                ? entry
                : undefined;
            const observation = (current && tasks.get(`${generation}/${current.attempts}`)) ?? {
              kind: 'none' as const,
            };
            const step = nodeStep({
              generation,
              spec: { valid: true, value: { shell: 'x', retries } },
              selected: true,
              entry,
              observation,
              maxAttempts,
            });
            if (step.kind === 'start') {
              expect(recorded.has(generation)).toBe(false);
              starts.set(generation, (starts.get(generation) ?? 0) + 1);
              tasks.set(`${generation}/${step.attempt}`, { kind: 'running' });
            }
            if (step.kind === 'finish') recorded.add(generation);
            const next = entryAfter(step, generation, entry, now);
            if (next !== null) entry = next;
          };
          const end = () => {
            for (const [key, task] of tasks) {
              if (task.kind !== 'running') continue;
              const ok = results[outcomes++ % results.length];
              tasks.set(key, { kind: 'finished', outcome: ok ? succeeded : failed });
            }
          };
          for (const e of events) {
            if (e === 'reconcile') reconcile();
            if (e === 'end') end();
            if (e === 'change') generation += 1;
          }
          for (let i = 0; i <= maxAttempts; i++) {
            reconcile();
            end();
          }
          reconcile();
          for (const count of starts.values()) expect(count).toBeLessThanOrEqual(maxAttempts);
          expect(entry?.observedGeneration).toBe(generation);
          expect(entry?.phase).not.toBe('Running');
        },
      ),
    );
  });
});
