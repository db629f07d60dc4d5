import { describe, expect, it } from 'vitest';
import { type CreateWarning, conditionWarningOf, warningText } from './condition-warning.js';

describe('conditionWarningOf', () => {
  it("takes kubernaut's TokenTTLInsufficient warning (UT-WE-501-008) as a condition", () => {
    const warning: CreateWarning = {
      type: 'TokenTTLInsufficient',
      reason: 'TokenTTLShortened',
      message: 'granted token TTL 10m0s is shorter than execution timeout 1h0m0s',
    };
    expect(conditionWarningOf(warning)).toEqual(warning);
    expect(conditionWarningOf({ ...warning, type: 'example.com/TokenTTLInsufficient' })).toEqual({
      ...warning,
      type: 'example.com/TokenTTLInsufficient',
    });
  });

  it('leaves a plain string as it is: engines written before keep working', () => {
    expect(conditionWarningOf('parameter X is not declared; dropped')).toBeUndefined();
  });

  it('refuses what the API server would refuse in a condition, so the status write never fails', () => {
    const valid = { type: 'TokenTTLInsufficient', reason: 'TokenTTLShortened', message: 'm' };
    for (const invalid of [
      { ...valid, type: 'Token TTL' },
      { ...valid, type: '' },
      { ...valid, type: `${'T'.repeat(317)}` },
      { ...valid, reason: 'Token TTL shortened' },
      { ...valid, reason: '' },
      { ...valid, reason: 'Shortened:' },
      { ...valid, message: 'm'.repeat(32_769) },
    ]) {
      expect(conditionWarningOf(invalid)).toBeUndefined();
    }
  });
});

describe('warningText', () => {
  it('is a plain warning itself, and a condition warning its reason and message', () => {
    expect(warningText('plain')).toBe('plain');
    expect(warningText({ type: 'T', reason: 'R', message: 'what happened' })).toBe(
      'R: what happened',
    );
  });
});
