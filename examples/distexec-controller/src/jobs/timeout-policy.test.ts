import { describe, expect, it } from 'vitest';
import { distExecView } from '../spec.js';
import { admitTimeout } from './timeout-policy.js';

const specOf = (spec: Record<string, unknown>) =>
  distExecView({ metadata: { name: 'ls', namespace: 'ops', generation: 1 }, spec }).spec;
const policy = { defaultSeconds: 3600, maxSeconds: 86_400 };

describe('admitTimeout', () => {
  it("gives a spec without a deadline the operator's default", () => {
    expect(admitTimeout(specOf({ command: 'sleep infinity' }), policy)).toMatchObject({
      valid: true,
      value: { command: 'sleep infinity', timeoutSeconds: 3600 },
    });
  });

  it('passes a deadline up to --max-timeout as it is', () => {
    const spec = specOf({ command: 'ls', timeoutSeconds: 86_400 });
    expect(admitTimeout(spec, policy)).toBe(spec);
  });

  it('refuses a longer one, naming the field, the limit and the flag', () => {
    expect(admitTimeout(specOf({ command: 'ls', timeoutSeconds: 86_401 }), policy)).toEqual({
      valid: false,
      message:
        'spec.timeoutSeconds: 86401 is longer than the 86400 this controller allows (--max-timeout); ask for less, or ask the operator to raise --max-timeout',
    });
  });

  it('leaves a spec that is already refused as it is', () => {
    const refused = specOf({});
    expect(refused.valid).toBe(false);
    expect(admitTimeout(refused, policy)).toBe(refused);
  });
});
