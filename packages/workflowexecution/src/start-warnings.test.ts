import { describe, expect, it } from 'vitest';
import { startWarnings } from './start-warnings.js';

describe('startWarnings', () => {
  const tokenTTL = { type: 'TokenTTLInsufficient', reason: 'TokenTTLShortened', message: 'short' };

  it('sets a condition warning as a condition and tells a plain one in words', () => {
    expect(startWarnings([tokenTTL, 'plain'])).toEqual({
      conditions: [tokenTTL],
      words: ['plain'],
    });
  });

  it("tells in words one the API server would refuse, or naming a condition of the controller's", () => {
    const refused = { type: 'TokenTTLInsufficient', reason: 'not a reason', message: 'm' };
    const own = ['Ready', 'ExecutionCreated', 'ExecutionRunning', 'ExecutionComplete', 'Stalled'];
    expect(startWarnings([refused, ...own.map((type) => ({ ...tokenTTL, type }))])).toEqual({
      conditions: [],
      words: ['not a reason: m', ...own.map(() => 'TokenTTLShortened: short')],
    });
  });
});
