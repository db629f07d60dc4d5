import type { Condition } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { findCondition, isConditionTrue, removeCondition, setCondition } from './conditions.js';

const t0 = new Date('2026-01-02T03:04:05.678Z');
const t1 = new Date('2026-01-02T04:00:00.000Z');

const ready = (status: Condition['status'], reason = 'Running', message = '') => ({
  type: 'Ready',
  status,
  reason,
  message,
});

describe('setCondition', () => {
  it('appends a new condition, stamped in whole seconds', () => {
    const conditions = setCondition(undefined, { ...ready('False'), observedGeneration: 2 }, t0);
    expect(conditions).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Running',
        message: '',
        lastTransitionTime: '2026-01-02T03:04:05Z',
        observedGeneration: 2,
      },
    ]);
  });

  it('keeps lastTransitionTime while the status stays, but takes reason, message and generation', () => {
    const first = setCondition([], ready('False', 'Pending', 'waiting'), t0);
    const second = setCondition(
      first,
      { ...ready('False', 'Locked', 'busy'), observedGeneration: 3 },
      t1,
    );
    expect(second).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Locked',
        message: 'busy',
        lastTransitionTime: '2026-01-02T03:04:05Z',
        observedGeneration: 3,
      },
    ]);
  });

  it('moves lastTransitionTime when the status changes', () => {
    const first = setCondition([], ready('False'), t0);
    expect(setCondition(first, ready('True'), t1)[0]?.lastTransitionTime).toBe(
      '2026-01-02T04:00:00Z',
    );
  });

  it('uses a given lastTransitionTime only for a transition', () => {
    const given = { ...ready('True'), lastTransitionTime: '2020-01-01T00:00:00Z' };
    expect(setCondition([], given, t1)[0]?.lastTransitionTime).toBe('2020-01-01T00:00:00Z');
    const existing = setCondition([], ready('True'), t0);
    expect(setCondition(existing, given, t1)[0]?.lastTransitionTime).toBe('2026-01-02T03:04:05Z');
  });

  it('replaces in place, leaves other conditions and the input alone', () => {
    const input = [
      ...setCondition([], { ...ready('False'), type: 'Started' }, t0),
      ...setCondition([], ready('False'), t0),
    ];
    const copy = structuredClone(input);
    const output = setCondition(input, ready('True'), t1);
    expect(input).toEqual(copy);
    expect(output.map((c) => `${c.type}=${c.status}`)).toEqual(['Started=False', 'Ready=True']);
  });

  it('returns an equal list when nothing changed, so a status write can be skipped', () => {
    const first = setCondition([], { ...ready('True'), observedGeneration: 1 }, t0);
    expect(setCondition(first, { ...ready('True'), observedGeneration: 1 }, t1)).toEqual(first);
  });
});

describe('findCondition, removeCondition, isConditionTrue', () => {
  const conditions = [
    ...setCondition([], ready('True'), t0),
    ...setCondition([], { ...ready('False'), type: 'Failed' }, t0),
  ];

  it('finds by type', () => {
    expect(findCondition(conditions, 'Failed')?.status).toBe('False');
    expect(findCondition(conditions, 'Missing')).toBeUndefined();
    expect(findCondition(undefined, 'Ready')).toBeUndefined();
  });

  it('removes by type into a new list', () => {
    expect(removeCondition(conditions, 'Ready').map((c) => c.type)).toEqual(['Failed']);
    expect(conditions).toHaveLength(2);
    expect(removeCondition(undefined, 'Ready')).toEqual([]);
  });

  it('is true only for status True', () => {
    expect(isConditionTrue(conditions, 'Ready')).toBe(true);
    expect(isConditionTrue(conditions, 'Failed')).toBe(false);
    expect(isConditionTrue(conditions, 'Missing')).toBe(false);
  });
});
