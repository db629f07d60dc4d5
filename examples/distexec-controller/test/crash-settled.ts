import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { expect } from 'vitest';
import { distExecs } from '../src/resource.js';
import { type NodeResult, resultsOf, type Summary } from '../src/spec.js';
import type { Planned } from './crash-churn.js';

/**
 * Checks the state a crash campaign waits for before its end checks: the DistExecs in
 * `namespace` are exactly the live ones (`uids`), none is being deleted or keeps a finalizer,
 * and each has a finished entry of its current generation on every node. Returns them.
 */
export async function expectSettled(
  admin: KubeClient,
  namespace: string,
  uids: Iterable<string>,
  nodeNames: readonly string[],
): Promise<KubeObject[]> {
  const { items } = await admin.list<KubeObject>(distExecs, namespace);
  expect(items.map((o) => o.metadata?.uid).sort()).toEqual([...uids].sort());
  for (const object of items) {
    const results = resultsOf(object.status);
    const label = `${object.metadata?.name} ${JSON.stringify(results)}`;
    expect(object.metadata?.deletionTimestamp, label).toBeUndefined();
    expect(Object.keys(results).sort(), label).toEqual([...nodeNames].sort());
    for (const entry of Object.values(results)) {
      expect(entry.observedGeneration, label).toBe(object.metadata?.generation);
      expect(['Succeeded', 'Failed'], label).toContain(entry.phase);
    }
    expect(object.metadata?.finalizers ?? [], label).toEqual([]);
  }
  return items;
}

/** Checks that a settled DistExec's summary counts what its node entries say. */
export function expectSummaryOfEntries(
  object: KubeObject,
  nodeNames: readonly string[],
  label: string,
): void {
  const summary = (object.status as { summary?: Summary }).summary;
  const phases = Object.values(resultsOf(object.status)).map((r) => r.phase);
  expect(summary, label).toEqual({
    nodes: nodeNames.length,
    succeeded: phases.filter((p) => p === 'Succeeded').length,
    failed: phases.filter((p) => p === 'Failed').length,
    pending: 0,
  });
}

/** A settled DistExec as the end checks read it: what was planned, and its node entries. */
export function settledAgainstPlan<P extends Planned>(
  object: KubeObject,
  plans: ReadonlyMap<string, P>,
): { uid: string; plan: P; generation: number; results: Record<string, NodeResult> } {
  const uid = object.metadata?.uid as string;
  return {
    uid,
    plan: plans.get(uid) as P,
    generation: object.metadata?.generation as number,
    results: resultsOf(object.status),
  };
}
