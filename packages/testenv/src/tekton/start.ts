import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { type ManagedProcess, startProcess, waitUntilReady } from '../processes.js';
import type { TektonInstall } from './binaries.js';
import { installTekton } from './install.js';
import {
  controllerArgs,
  controllerEnv,
  resolversArgs,
  resolversEnv,
  tektonReadyLine,
} from './objects.js';

export interface StartTektonInput {
  install: TektonInstall;
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  logDir: string;
  timeoutMs: number;
  /** Each started process is reported at once, so it is stopped even if a later step fails. */
  onStarted: (p: ManagedProcess) => void;
}

async function reportsStarted(p: ManagedProcess): Promise<boolean> {
  return (await readFile(p.logPath, 'utf8')).includes(tektonReadyLine);
}

/**
 * Installs Tekton's CRDs and ConfigMaps and starts its controller and bundles resolver; resolves
 * once both report their controllers started (informers synced). They open no port at all.
 */
export async function startTekton(input: StartTektonInput): Promise<void> {
  await installTekton(input.kubeConfig, input.install);
  const start = async (
    name: string,
    binary: string,
    args: string[],
    env: Record<string, string>,
  ) => {
    const p = await startProcess(name, binary, args, join(input.logDir, `${name}.log`), env);
    input.onStarted(p);
    return p;
  };
  const controller = await start(
    'tekton-controller',
    input.install.controller,
    controllerArgs(input.kubeconfigPath),
    controllerEnv(),
  );
  const resolvers = await start(
    'tekton-resolvers',
    input.install.resolvers,
    resolversArgs(input.kubeconfigPath),
    resolversEnv(),
  );
  // Blame the one that is not ready, unless the other one died meanwhile.
  await waitUntilReady(
    [controller, resolvers],
    'the Tekton controller started',
    () => reportsStarted(controller),
    input.timeoutMs,
  );
  await waitUntilReady(
    [resolvers, controller],
    'the bundles resolver started',
    () => reportsStarted(resolvers),
    input.timeoutMs,
  );
}
