import { describe, expect, it } from 'vitest';
import { BinaryBuildError, ToolchainMissingError } from '../errors.js';
import { tektonForRun, tektonSkipReason } from './tekton-setup.js';

describe('Tekton for the shared control plane', () => {
  const noGo = new ToolchainMissingError("Go >= 1.26 is required (no 'go' on PATH)");

  it('goes without it on a developer machine without Go, saying what runs instead', () => {
    expect(tektonSkipReason(noGo, {})).toMatch(
      /^no real Tekton in this run: Go >= 1\.26.*test-only CRDs/,
    );
  });

  it('never goes without it on CI, nor after a failed build', () => {
    expect(tektonSkipReason(noGo, { CI: 'true' })).toBeUndefined();
    expect(tektonSkipReason(new BinaryBuildError('failed', '/log'), {})).toBeUndefined();
  });

  it('can be turned off for a quick run, but not on CI', async () => {
    const log = () => undefined;
    expect(await tektonForRun({ ROUNDHOUSE_TESTENV_TEKTON: 'off' }, log)).toEqual({
      unavailable: expect.stringContaining('test-only CRDs'),
    });
    await expect(
      tektonForRun({ ROUNDHOUSE_TESTENV_TEKTON: 'off', CI: 'true' }, log),
    ).rejects.toThrow(/refused on CI/);
  });
});
