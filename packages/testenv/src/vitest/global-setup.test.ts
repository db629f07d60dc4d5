import { describe, expect, it } from 'vitest';
import { BinaryBuildError, ProcessStartError, ToolchainMissingError } from '../errors.js';
import { isCi } from './context.js';
import { skipReason } from './global-setup.js';

describe('skipReason', () => {
  const noGo = new ToolchainMissingError("Go >= 1.26 is required (no 'go' on PATH)");

  it('skips loudly without Go on a developer machine, saying how to enable the tests', () => {
    const reason = skipReason(noGo, {});
    expect(reason).toMatch(/^SKIPPING integration tests: Go >= 1\.26 is required/);
    expect(reason).toContain('ROUNDHOUSE_TESTENV_BIN');
  });

  it('never skips on CI', () => {
    expect(skipReason(noGo, { CI: 'true' })).toBeUndefined();
  });

  it('never skips a failed build or a component that does not start', () => {
    expect(skipReason(new BinaryBuildError('failed', '/log'), {})).toBeUndefined();
    expect(skipReason(new ProcessStartError('etcd', 'exited', '/l', ''), {})).toBeUndefined();
  });
});

describe('isCi', () => {
  it('reads the CI variable the way CI systems set it', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({})).toBe(false);
  });
});
