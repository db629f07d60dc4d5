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

/**
 * The example controller from source, in one process: tsx's CLI would run it in a child
 * process that a SIGKILL of the CLI leaves running.
 */
export function startControllerProcess(flags: readonly string[]): ControllerProcess {
  return new ControllerProcess(process.execPath, [
    '--import=tsx',
    '--conditions=@roundhouse/source',
    `${root}examples/workflowexecution-controller/src/main.ts`,
    ...flags,
  ]);
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
