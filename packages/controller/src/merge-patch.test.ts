import { describe, expect, it } from 'vitest';
import { mergePatchOf } from './merge-patch.js';

/** RFC 7386's MergePatch, to check that each patch really turns `before` into `after`. */
function apply(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = apply(result[key], value);
  }
  return result;
}

describe('mergePatchOf', () => {
  const cases: [string, unknown, unknown, unknown][] = [
    ['a first status, whole', undefined, { phase: 'Running' }, { phase: 'Running' }],
    ['nothing changed', { phase: 'Running', n: 1 }, { phase: 'Running', n: 1 }, {}],
    [
      'changed and added keys only',
      { phase: 'Running', startTime: 't0', ref: { name: 'job' } },
      { phase: 'Completed', startTime: 't0', ref: { name: 'job' }, completionTime: 't1' },
      { phase: 'Completed', completionTime: 't1' },
    ],
    [
      'a dropped key as null, nested ones too',
      { phase: 'Failed', failure: { reason: 'X', exitCode: 1 }, note: 'n' },
      { phase: 'Failed', failure: { reason: 'X' } },
      { failure: { exitCode: null }, note: null },
    ],
    [
      'an array whole',
      { conditions: [{ type: 'A', status: 'True' }] },
      {
        conditions: [
          { type: 'A', status: 'True' },
          { type: 'B', status: 'False' },
        ],
      },
      {
        conditions: [
          { type: 'A', status: 'True' },
          { type: 'B', status: 'False' },
        ],
      },
    ],
    [
      'an object replacing a scalar',
      { ref: 'job' },
      { ref: { name: 'job' } },
      { ref: { name: 'job' } },
    ],
  ];

  it.each(cases)('%s', (_name, before, after, patch) => {
    expect(mergePatchOf(before, after)).toEqual(patch);
    expect(apply(before, mergePatchOf(before, after))).toEqual(after);
  });

  it('gives up on a null value, which a merge patch would read as a removal', () => {
    expect(
      mergePatchOf({ phase: 'Running' }, { phase: 'Running', exitCode: null }),
    ).toBeUndefined();
    expect(mergePatchOf({}, { list: [{ a: null }] })).toBeUndefined();
  });
});
