import type { TestProject } from 'vitest/node';
import { type Env, ensureBinaries } from '../binaries.js';
import { type ControlPlane, startControlPlane } from '../control-plane.js';
import { ToolchainMissingError } from '../errors.js';
import { contextKey, isCi } from './context.js';
import { tektonForRun } from './tekton-setup.js';

const log = (line: string) => console.log(`roundhouse testenv: ${line}`);

/**
 * Only a missing Go toolchain on a developer machine skips the integration tests. On CI it is a
 * failure, and so is everything else (a failed build, a component that does not start), since
 * skipping would hide a real fault.
 */
export function skipReason(error: unknown, env: Env): string | undefined {
  if (!(error instanceof ToolchainMissingError) || isCi(env)) return undefined;
  return (
    `SKIPPING integration tests: ${error.message}. ` +
    'Install Go >= 1.26 (the first run builds the control plane, ~10 min) or set ' +
    'ROUNDHOUSE_TESTENV_BIN to a directory with etcd, kube-apiserver, ' +
    'kube-controller-manager, kube-scheduler and kwok to run them.'
  );
}

function runFailed(project: TestProject): boolean {
  const state = project.vitest.state;
  return (
    state.getCountOfFailedTests() > 0 ||
    state.getFailedFilepaths().length > 0 ||
    state.getUnhandledErrors().length > 0
  );
}

/**
 * Vitest global setup: builds or reuses the binaries (the control plane's, then Tekton's),
 * starts one control plane with workloads and real Tekton for the whole run and stops it
 * afterwards, keeping the process logs when anything failed.
 */
export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const binariesStarted = Date.now();
  let binaries: Awaited<ReturnType<typeof ensureBinaries>>;
  try {
    binaries = await ensureBinaries(true, { log });
  } catch (error) {
    const reason = skipReason(error, process.env);
    if (reason === undefined) throw error;
    console.warn(`\n*** roundhouse testenv: ${reason} ***\n`);
    project.provide(contextKey, { status: 'unavailable', reason });
    return undefined;
  }
  const binarySeconds = ((Date.now() - binariesStarted) / 1000).toFixed(1);
  log(
    binaries.build?.built
      ? `built the control-plane binaries in ${binarySeconds}s (log: ${binaries.build.logPath})`
      : `control-plane binaries ready in ${binarySeconds}s (cached)`,
  );

  const tektonStarted = Date.now();
  const tekton = await tektonForRun(process.env, log);
  const tektonSeconds = ((Date.now() - tektonStarted) / 1000).toFixed(1);
  if ('unavailable' in tekton) {
    console.warn(`\n*** roundhouse testenv: ${tekton.unavailable} ***\n`);
  } else {
    log(
      tekton.build?.built
        ? `built Tekton Pipelines v${tekton.install.version} in ${tektonSeconds}s (log: ${tekton.build.logPath})`
        : `Tekton Pipelines v${tekton.install.version} binaries ready in ${tektonSeconds}s (cached)`,
    );
  }

  const plane: ControlPlane = await startControlPlane({
    workloads: true,
    binaries: binaries.paths,
    ...('install' in tekton ? { tekton: tekton.install } : {}),
  });
  log(
    `control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok` +
      `${plane.endpoint.tekton ? `, Tekton Pipelines v${plane.endpoint.tekton.version} with a registry at ${plane.endpoint.tekton.registry}` : ''}) ` +
      `ready in ${(plane.startupMs / 1000).toFixed(1)}s at ${plane.server}`,
  );
  project.provide(contextKey, {
    status: 'ready',
    endpoint: plane.endpoint,
    ...('unavailable' in tekton ? { tektonUnavailable: tekton.unavailable } : {}),
  });

  return async () => {
    const stopping = Date.now();
    const { keptLogDir } = await plane.stop({ keepLogs: runFailed(project) });
    log(`control plane stopped in ${((Date.now() - stopping) / 1000).toFixed(1)}s`);
    if (keptLogDir) log(`tests failed; control-plane logs kept in ${keptLogDir}`);
  };
}
