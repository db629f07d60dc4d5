import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { resources } from '@roundhouse/kube';
import { expect, vi } from 'vitest';
import { ControllerProcess } from './controller-process.js';

const root = new URL('../..', import.meta.url).pathname;

/** A fixed sequence, so a failing schedule of kills can be run again. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** An execution as the campaigns read it at the end. */
export type Phased = KubeObject & {
  status?: {
    phase?: string;
    executionRef?: { name?: string };
    failureDetails?: { reason?: string };
    conditions?: { reason?: string }[];
  };
};

/** An Event as the campaigns read it, to find one reported twice. */
export type Reported = KubeObject & {
  involvedObject: { name?: string; uid?: string };
  reason?: string;
  message?: string;
  count?: number;
};

/**
 * The example controller from source, in one process: tsx's CLI would run it in a child
 * process that a SIGKILL of the CLI leaves running. `nodeFlags` go to Node (an `--import`).
 */
export function startControllerProcess(
  flags: readonly string[],
  nodeFlags: readonly string[] = [],
): ControllerProcess {
  return new ControllerProcess(process.execPath, [
    '--import=tsx',
    '--conditions=@roundhouse/source',
    ...nodeFlags,
    `${root}examples/workflowexecution-controller/src/main.ts`,
    ...flags,
  ]);
}

/** A directory of its own holding the plane's kubeconfig (`<dir>/kubeconfig`), for --kubeconfig. */
export function kubeconfigDirectory(kubeConfig: KubeConfig, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'kubeconfig'), kubeConfig.exportConfig(), { mode: 0o600 });
  return dir;
}

/**
 * Every Job uid the API server announces in `namespace` from now until `signal` aborts, by Job
 * name: "at most one Job ever per target" is counted from it.
 */
export async function watchJobUids(
  client: KubeClient,
  namespace: string,
  signal: AbortSignal,
): Promise<Map<string, Set<string>>> {
  const uids = new Map<string, Set<string>>();
  const { resourceVersion } = await client.list(resources.jobs, namespace);
  void client.watch<KubeObject>(
    resources.jobs,
    namespace,
    ({ type, object }) => {
      const name = object.metadata?.name;
      const uid = object.metadata?.uid;
      if (type !== 'ADDED' || !name || !uid) return;
      uids.set(name, (uids.get(name) ?? new Set()).add(uid));
    },
    { resourceVersion, signal, stallTimeoutMs: 600_000 },
  );
  return uids;
}

/** Resolves once the controller is working: a kill before that would interrupt nothing. */
export async function untilWorking(controller: ControllerProcess): Promise<void> {
  await vi.waitFor(
    () => expect(controller.lines.some((l) => l.msg === 'controller started')).toBe(true),
    { timeout: 60_000, interval: 10 },
  );
}

/** The Events about objects in `namespace`, as `<object> <reason> x<count>`, for "nothing twice". */
export async function reportedEvents(client: KubeClient, namespace: string): Promise<string[]> {
  const { items } = await client.list<KubeObject & { reason?: string; count?: number }>(
    resources.events,
    namespace,
  );
  return items.map(
    (e) => `${(e.involvedObject as { name?: string }).name} ${e.reason} x${e.count ?? 1}`,
  );
}
