import { createHash } from 'node:crypto';
import type { LeaseSpec } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';
import { outputUriMaxLength } from './attempt.js';
import type { TaskAction } from './spec.js';

/**
 * What a cache entry is for: a key within its project and domain, as Flyte's catalog keys an
 * entry by the task's project and domain, and within the action's namespace, so actions of one
 * namespace never see (or write) another's.
 */
export interface CacheIdentity {
  /** The action's namespace, not where the entry lives (`CacheStoreOptions.namespace`). */
  readonly namespace: string;
  readonly project: string;
  readonly domain: string;
  readonly cacheKey: string;
}

/** How a cached action uses the cache; undefined for an action without `cacheKey`. */
export interface CachePolicy {
  readonly identity: CacheIdentity;
  /** Only one action per key runs at a time (`taskTemplate.cacheSerializable`). */
  readonly serializable: boolean;
  /** Who holds a reservation: the action's uid, so a re-created action is a new holder. */
  readonly owner: string;
}

export function cachePolicyOf(action: TaskAction): CachePolicy | undefined {
  const { spec, metadata } = action;
  if (spec.cacheKey === undefined) return undefined;
  return {
    identity: {
      namespace: metadata.namespace,
      project: spec.project,
      domain: spec.domain,
      cacheKey: spec.cacheKey,
    },
    serializable: spec.taskTemplate.cacheSerializable ?? false,
    owner: metadata.uid ?? `${metadata.namespace}/${metadata.name}`,
  };
}

/** Labels every object of the cache, so an operator can list or clear it. */
export const cacheLabel = 'roundhouse.dev/taskaction-cache';

/**
 * Names the namespace whose actions an object of the cache serves, so an operator can list or
 * clear one tenant's entries. A namespace's name is a DNS label, so always a valid label value.
 */
export const cacheNamespaceLabel = 'roundhouse.dev/taskaction-cache-namespace';

/** The labels of an entry or a reservation of this identity. */
export function cacheLabels(
  identity: CacheIdentity,
  object: 'entry' | 'reservation',
): Record<string, string> {
  return { [cacheLabel]: object, [cacheNamespaceLabel]: identity.namespace };
}

/**
 * The name of the entry's ConfigMap and of its reservation Lease: a hash of the action's
 * namespace, project, domain and key (a key may be any 256 characters; a name may not), the same
 * for every action of that namespace that asks. Every namespace's entries share the cache's one
 * namespace, so the action's namespace is part of the name: two namespaces with the same key
 * never share an entry or a reservation.
 */
export function cacheObjectName(identity: CacheIdentity): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([identity.namespace, identity.project, identity.domain, identity.cacheKey]),
    )
    .digest('hex');
  return `taskaction-cache-${digest}`;
}

/** Who populated an entry, for whoever reads it later. */
export interface PopulatedBy {
  readonly name: string;
  readonly uid?: string | undefined;
  /**
   * The uid of the action's namespace when it populated the entry: a namespace deleted and
   * created again under its name is another tenant, who must not read the first one's outputs
   * (see `cachedOutputUri`, `entriesToCollect`).
   */
  readonly namespaceUid?: string | undefined;
}

/**
 * The entry an action that succeeded leaves, in the cache's namespace: where it wrote its
 * outputs. Immutable, so an entry is only ever replaced by deleting it.
 */
export function cacheEntryConfigMap(
  cacheNamespace: string,
  identity: CacheIdentity,
  outputUri: string,
  populatedBy: PopulatedBy,
): KubeObject & { data: Record<string, string> } {
  return {
    metadata: {
      name: cacheObjectName(identity),
      namespace: cacheNamespace,
      labels: cacheLabels(identity, 'entry'),
    },
    immutable: true,
    data: {
      namespace: identity.namespace,
      project: identity.project,
      domain: identity.domain,
      cacheKey: identity.cacheKey,
      outputUri,
      populatedBy: populatedBy.name,
      ...(populatedBy.uid ? { populatedByUid: populatedBy.uid } : {}),
      ...(populatedBy.namespaceUid ? { namespaceUid: populatedBy.namespaceUid } : {}),
    },
  };
}

const CacheEntrySchema = z.object({
  data: z.object({
    namespace: z.string(),
    project: z.string(),
    domain: z.string(),
    cacheKey: z.string(),
    // Whoever may write ConfigMaps in the cache's namespace may write this one, and every event
    // quotes the URI: no longer than what `outputPrefix` can make of a valid `runOutputBase`.
    outputUri: z.string().min(1).max(outputUriMaxLength),
    namespaceUid: z.string().optional(),
  }),
});

/** A namespace as the cache judges its entries by: its uid and when it was created. */
export interface NamespaceNow {
  readonly uid?: string | undefined;
  readonly creationTimestamp?: string | undefined;
}

/**
 * Whether an entry was populated in an earlier namespace of its name, whose tenant may not be
 * this one: it records another uid, or (stored before entries recorded one) its ConfigMap was
 * created before the namespace now was. Unknown (no uid, no timestamp) is not earlier.
 */
export function fromEarlierNamespace(entry: KubeObject, current: NamespaceNow): boolean {
  const parsed = CacheEntrySchema.safeParse(entry);
  const recorded = parsed.success ? parsed.data.data.namespaceUid : undefined;
  if (recorded !== undefined) return current.uid !== undefined && recorded !== current.uid;
  const stored = Date.parse(entry.metadata?.creationTimestamp ?? '');
  const created = Date.parse(current.creationTimestamp ?? '');
  return stored < created;
}

/**
 * The cached output URI in an entry's ConfigMap; undefined for none, or for a ConfigMap under
 * that name that is not the entry of exactly this namespace, project, domain and key. With
 * `current`, the action's namespace now, an entry populated in an earlier namespace of that
 * name is none either (see `fromEarlierNamespace`).
 */
export function cachedOutputUri(
  configMap: KubeObject | null,
  identity: CacheIdentity,
  current?: NamespaceNow | undefined,
): string | undefined {
  const parsed = CacheEntrySchema.safeParse(configMap);
  if (!parsed.success || configMap === null) return undefined;
  const { data } = parsed.data;
  const same =
    !(current && fromEarlierNamespace(configMap, current)) &&
    data.namespace === identity.namespace &&
    data.project === identity.project &&
    data.domain === identity.domain &&
    data.cacheKey === identity.cacheKey;
  return same ? data.outputUri : undefined;
}

/**
 * The Lease, in the cache's namespace, that reserves an entry for its holder while it populates
 * it.
 */
export function reservationLease(
  cacheNamespace: string,
  identity: CacheIdentity,
  spec: LeaseSpec,
): KubeObject {
  return {
    metadata: {
      name: cacheObjectName(identity),
      namespace: cacheNamespace,
      labels: cacheLabels(identity, 'reservation'),
    },
    spec,
  };
}
