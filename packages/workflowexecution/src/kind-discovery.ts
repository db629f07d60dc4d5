import { type Logger, RoundhouseError } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { knowsKind } from './canonical-target.js';
import { type KindTable, kindTableOf, sameKindTable } from './kind-table.js';
import { settledOrAborted } from './start-turns.js';

export interface KindDiscoveryOptions {
  readonly logger: Logger;
  /** Discovery is read again, without waiting for it, on the first start after this long. */
  readonly refreshMs: number;
  /**
   * A start on a kind neither discovery nor Kubernetes' own kinds list waits for discovery to
   * be read again, at most this often: a kind that does not exist costs no more.
   */
  readonly unknownKindMs: number;
  readonly now?: () => number;
}

/**
 * The kinds the cluster serves, read from discovery (`client`) and handed to `onKinds` (the
 * target index, `ExecutionsByTarget.useKinds`) whenever they change. Discovery is read when
 * asked (`read`, at start-up), and then only by starts (`learnKindOf`): never more than once per
 * `unknownKindMs`, however many executions wait, and never by a reconcile of an execution that
 * is not starting. A failed read is logged and the kinds known before are kept: Kubernetes'
 * own, until discovery has been read once.
 */
export class KindDiscovery {
  readonly #client: Pick<KubeClient, 'discoverApiResources'>;
  readonly #onKinds: (table: KindTable) => void;
  readonly #logger: Logger;
  readonly #refreshMs: number;
  readonly #unknownKindMs: number;
  readonly #now: () => number;
  #table: KindTable | undefined;
  /** When the last read began. */
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(
    client: Pick<KubeClient, 'discoverApiResources'>,
    onKinds: (table: KindTable) => void,
    options: KindDiscoveryOptions,
  ) {
    this.#client = client;
    this.#onKinds = onKinds;
    this.#logger = options.logger;
    this.#refreshMs = options.refreshMs;
    this.#unknownKindMs = options.unknownKindMs;
    this.#now = options.now ?? Date.now;
  }

  /** Reads discovery; settles once the kinds are handed on or the failure logged. */
  read(): Promise<void> {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  /**
   * Before a start on `target`: when its kind is unknown, waits for discovery to be read again
   * (a read under way, or a new one unless the last began within `unknownKindMs`), so a CRD
   * installed since the last read joins its names before the start compares its target. A
   * known kind waits for nothing; once the last read is `refreshMs` old it starts the next one.
   * Rejects with the signal's reason once it is aborted while waiting.
   */
  async learnKindOf(target: string, signal: AbortSignal): Promise<void> {
    const since = this.#now() - this.#readAt;
    if (knowsKind(target, this.#table)) {
      if (since >= this.#refreshMs) void this.read();
      return;
    }
    if (this.#reading === undefined && since < this.#unknownKindMs) return;
    await settledOrAborted(this.read(), signal);
  }

  async #read(): Promise<void> {
    this.#readAt = this.#now();
    try {
      const table = kindTableOf(await this.#client.discoverApiResources());
      if (this.#table && sameKindTable(this.#table, table)) return;
      this.#table = table;
      this.#onKinds(table);
      this.#logger.info({ names: table.kindOf.size }, 'kinds read from discovery');
    } catch (error) {
      this.#logger.warn(
        {
          error: error instanceof Error ? error.message : String(error),
          ...(error instanceof RoundhouseError ? { reason: error.reason } : {}),
        },
        this.#table
          ? 'discovery could not be read; targets are compared by the kinds it listed before'
          : "discovery could not be read; targets are compared by Kubernetes' own kinds until it is",
      );
    }
  }
}
