import { isDeepStrictEqual } from 'node:util';
import { Informer } from '@roundhouse/controller';
import type { Logger } from '@roundhouse/core';
import type { ClusterConfig, KubeClient, KubeObject } from '@roundhouse/kube';
import { z } from 'zod';
import { finalizerPrefix, jobsFinalizer, nodeFinalizer, nodes } from './resource.js';
import { type DistExecView, selects } from './spec.js';

const TaintSchema = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: z.string(),
});

/** What of a Node decides whether the scheduler puts a pod there (see `slimNode`). */
export const NodeSchedulingSchema = z.object({
  spec: z
    .object({ unschedulable: z.boolean().optional(), taints: z.array(TaintSchema).optional() })
    .optional()
    .catch(undefined),
  status: z
    .object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional() })
    .optional()
    .catch(undefined),
});

/**
 * A Node as the cache keeps it: identity, labels, and what decides whether a pod may go there
 * (taints, cordon, and whether it is Ready, without the condition's times). Every agent watches
 * every Node (to notice deletions), and a Node's status (images, heartbeats) is most of its bulk.
 */
export function slimNode(node: KubeObject): KubeObject {
  const { name, uid, resourceVersion, labels, deletionTimestamp } = node.metadata ?? {};
  const { spec, status } = NodeSchedulingSchema.parse(node);
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...(name !== undefined ? { name } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      ...(labels ? { labels } : {}),
      ...(deletionTimestamp ? { deletionTimestamp } : {}),
    },
    spec: {
      ...(spec?.unschedulable ? { unschedulable: true } : {}),
      ...(spec?.taints?.length ? { taints: spec.taints } : {}),
    },
    status: ready ? { conditions: [{ type: 'Ready', status: ready.status }] } : {},
  };
}

/** What of a slim Node may change which nodes a DistExec runs on: all of it but its version. */
function placement(node: KubeObject | undefined) {
  const { resourceVersion: _, ...metadata } = node?.metadata ?? {};
  return { metadata, spec: node?.spec, status: node?.status };
}

/** The cluster's Nodes from a slim cache, with a cache miss confirmed live. */
export class NodeDirectory {
  readonly informer: Informer<KubeObject>;
  readonly #client: KubeClient;

  constructor(kubeConfig: ClusterConfig, client: KubeClient, logger?: Logger) {
    this.#client = client;
    this.informer = new Informer<KubeObject>(kubeConfig, nodes, {
      client,
      transform: slimNode,
      ...(logger ? { logger } : {}),
    });
  }

  /**
   * Names of the live (not deleting) Nodes the DistExec selects, as the cache has them; with
   * `runsOn`, only those it accepts, and those that hold an entry of the current generation
   * already (a node cordoned or gone NotReady keeps the attempt it started, and its result).
   */
  selected(view: DistExecView, runsOn?: (node: KubeObject) => boolean): string[] {
    const selector = view.spec.valid ? view.spec.value.nodeSelector : undefined;
    const current = (name: string) => view.results[name]?.observedGeneration === view.generation;
    return this.informer
      .list()
      .filter((n) => !n.metadata?.deletionTimestamp && selects(selector, n.metadata?.labels))
      .filter((n) => !runsOn || runsOn(n) || current(n.metadata?.name as string))
      .map((n) => n.metadata?.name as string)
      .sort();
  }

  /** A Node from the cache or, on a miss, from the API server; null when it does not exist. */
  async get(name: string, signal?: AbortSignal): Promise<KubeObject | null> {
    const cached = this.informer.get(undefined, name);
    if (cached) return cached;
    const live = await this.#client.get<KubeObject>(nodes, undefined, name, { signal });
    return live && slimNode(live);
  }

  /** Whether each named Node exists, asking the API server for those the cache lacks. */
  async missing(names: readonly string[], signal?: AbortSignal): Promise<string[]> {
    const found = await Promise.all(
      names.map(async (name) => (await this.get(name, signal)) !== null),
    );
    return names.filter((_, i) => !found[i]);
  }

  /**
   * Calls `wake` when a Node comes, goes, starts being deleted, changes labels or taints, is
   * cordoned or uncordoned, or becomes Ready or not: what may change which nodes a DistExec
   * runs on. Heartbeats and other status updates do not.
   */
  onChange(wake: () => void): void {
    this.informer
      .on('add', wake)
      .on('delete', wake)
      .on('update', (node, old) => {
        if (!isDeepStrictEqual(placement(node), placement(old))) wake();
      });
  }

  /** Names of every Node in the cache. */
  known(): Set<string> {
    return new Set(this.informer.list().map((n) => n.metadata?.name as string));
  }
}

/**
 * Nodes a DistExec still names (an entry, or a node finalizer) that the cache does not know:
 * deleted ones, or new ones the cache has not seen yet; the caller asks the API server which.
 * A finalizer maps back to its node through the entries and known nodes (long names are
 * hashed in finalizers), else through its own name part.
 */
export function unknownNodes(
  view: DistExecView,
  finalizers: readonly string[],
  known: ReadonlySet<string>,
): string[] {
  const named = new Map<string, string>();
  for (const node of [...known, ...Object.keys(view.results)]) named.set(nodeFinalizer(node), node);
  const candidates = new Set(Object.keys(view.results).filter((node) => !known.has(node)));
  for (const finalizer of finalizers) {
    if (!finalizer.startsWith(finalizerPrefix) || finalizer === jobsFinalizer) continue;
    const node = named.get(finalizer) ?? finalizer.slice(finalizerPrefix.length);
    if (!known.has(node)) candidates.add(node);
  }
  return [...candidates].sort();
}
