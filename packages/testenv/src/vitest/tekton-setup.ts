import type { Env } from '../binaries.js';
import { TestEnvError, ToolchainMissingError } from '../errors.js';
import { type EnsuredTekton, ensureTekton, tektonWanted } from '../tekton/binaries.js';
import { isCi } from './context.js';

export type TektonForRun = EnsuredTekton | { unavailable: string };

/**
 * Why this run goes without real Tekton, or undefined when that is a failure. Only a developer
 * machine may: Tekton tests then run against the test-only CRDs. On CI the tekton engine must be
 * tested against Tekton itself, so a missing toolchain fails the run, as for the control plane.
 */
export function tektonSkipReason(error: unknown, env: Env): string | undefined {
  if (!(error instanceof ToolchainMissingError) || isCi(env)) return undefined;
  return (
    `no real Tekton in this run: ${error.message}. The tekton engine's tests run against ` +
    'test-only CRDs instead; install Go >= 1.26 to build Tekton Pipelines (~4 min, once).'
  );
}

/** Builds or reuses Tekton for the shared control plane, unless the run goes without it. */
export async function tektonForRun(env: Env, log: (line: string) => void): Promise<TektonForRun> {
  if (!tektonWanted(env)) {
    if (isCi(env)) {
      throw new TestEnvError(
        'ROUNDHOUSE_TESTENV_TEKTON=off is refused on CI: the tekton engine is tested against real Tekton there',
      );
    }
    return {
      unavailable:
        'ROUNDHOUSE_TESTENV_TEKTON=off: the tekton engine tests run against test-only CRDs (quick run)',
    };
  }
  try {
    return await ensureTekton({ log, env });
  } catch (error) {
    const reason = tektonSkipReason(error, env);
    if (reason === undefined) throw error;
    return { unavailable: reason };
  }
}
