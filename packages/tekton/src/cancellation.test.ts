import { describe, expect, it } from 'vitest';
import { cancelPatch, cancelSpecStatus } from './cancellation.js';

describe('cancelSpecStatus', () => {
  it("uses Tekton's spec.status values, not its condition reasons", () => {
    expect(cancelSpecStatus(undefined)).toBe('Cancelled');
    expect(cancelSpecStatus('cancel')).toBe('CancelledRunFinally');
    expect(cancelSpecStatus('stop')).toBe('StoppedRunFinally');
  });
});

describe('cancelPatch', () => {
  it('sets spec.status and pins the uid of the run whose ownership was checked', () => {
    expect(cancelPatch('stop', 'uid-1')).toEqual({
      metadata: { uid: 'uid-1' },
      spec: { status: 'StoppedRunFinally' },
    });
  });
});
