import { updateStatus } from '@roundhouse/controller';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { distExecs } from './resource.js';
import { resultNodes, withResults } from './results.js';
import { type DistExecView, distExecView } from './spec.js';

/** Conflicts in a row before a status write gives up and the key is retried with backoff. */
export const maxWriteAttempts = 20;

/**
 * Removes the entries of `nodes` (Nodes confirmed deleted) from the DistExec's status, starting
 * from `object` as the caller has it. Several writers may race to do it: the write is
 * conditional on the resourceVersion, and once one has removed them the others find nothing to
 * remove and write nothing.
 */
export function forgetNodes(
  client: KubeClient,
  object: KubeObject,
  nodes: readonly string[],
  selected: (view: DistExecView) => string[],
  signal: AbortSignal,
): Promise<KubeObject | null> {
  const { namespace, name } = distExecView(object).metadata;
  return updateStatus<KubeObject>(
    client,
    distExecs,
    namespace,
    name,
    (current) => {
      const present = resultNodes(current.status).filter((node) => nodes.includes(node));
      if (present.length === 0) return undefined;
      const now = distExecView(current);
      const removals = Object.fromEntries(present.map((node) => [node, undefined]));
      return withResults(current.status, removals, now.generation, selected(now));
    },
    { signal, current: object, maxAttempts: maxWriteAttempts },
  );
}
