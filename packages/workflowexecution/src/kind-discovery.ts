import { type Logger, RoundhouseError } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { knowsKind } from './canonical-target.js';
import { type KindTable, kindTableOf, sameKindTable } from './kind-table.js';

export interface KindDiscoveryOptions {
  readonly logger: Logger;
  /** Discovery is read again, without waiting for it, on the first start this long after a read. */
  readonly refreshMs: number;
  /**
   * A start on a kind neither discovery nor Kubernetes' own kinds list asks for a read at most
   * this long after the previous one ended: a kind that does not exist costs no more.
   */
  readonly unknownKindMs: number;
  readonly now?: (() => number) | undefined;
}

/** How soon a start waiting for a read under way asks again. */
const readUnderWayMs = 1_000;

/**
 * The kinds the cluster serves, read from discovery (`client`) and handed to `onKinds` (the
 * target index, `ExecutionsByTarget.useKinds`) whenever they change. Discovery is read when
 * asked (`read`, at start-up), and then only for starts (`learnKindOf`): in the background once
 * the last read is `refreshMs` old, and for a start on a kind not known yet once
 * `unknownKindMs` have passed since the last read ended, however many executions wait; never
 * for a reconcile of an execution that is not starting. A failed read is logged and the kinds
 * known before are kept: Kubernetes' own, until discovery has been read once.
 *
 * A short name that comes to mean another kind (a CRD removed, another installed claiming its
 * name) is known all along, so only the `refreshMs` read learns its new meaning.
 */
export class KindDiscovery {
  readonly #client: Pick<KubeClient, 'discoverApiResources'>;
  readonly #onKinds: (table: KindTable) => void;
  readonly #logger: Logger;
  readonly #refreshMs: number;
  readonly #unknownKindMs: number;
  readonly #now: () => number;
  #table: KindTable | undefined;
  #reading: Promise<void> | undefined;
  /** When the last read that ended, successful or not, began. */
  #doneBegunAt = Number.NEGATIVE_INFINITY;
  /** When the last read ended. */
  #endedAt = Number.NEGATIVE_INFINITY;

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
   * Whether a start on `target`, by an execution created at `createdAt` (its
   * `metadata.creationTimestamp`), may compare its target now: undefined when it may, else how
   * many ms to wait before asking again. Never waits itself, so a worker is never held.
   *
   * A known kind may go on at once; once the last read ended `refreshMs` ago it starts the next
   * one in the background. A kind not known yet may go on only once a read that began after the
   * execution was created has ended: whatever discovery listed when the execution was created
   * is then joined, so two spellings of an object of a newly installed kind, created at once,
   * wait for the same read and meet under one key. Until then this starts that read (one at a
   * time, and only `unknownKindMs` after the last one ended, so a read that timed out is not
   * followed by another at once) and asks the caller to come back. A failed read counts as one
   * that ended, as at start-up (its warning is logged): a broken discovery delays such starts by
   * up to `unknownKindMs`, never forever. After a read that does not list the kind either, the
   * start goes on by the fallback names.
   */
  learnKindOf(target: string, createdAt: string | undefined): number | undefined {
    if (knowsKind(target, this.#table)) {
      if (this.#reading === undefined && this.#now() - this.#endedAt >= this.#refreshMs) {
        void this.read();
      }
      return undefined;
    }
    // creationTimestamp is in whole seconds, cut down: the execution was created before the
    // next second began. The API server's clock stamps it, this process's clock stamps the read:
    // when this one runs behind, starts wait that much longer; when it runs ahead, a read that
    // began that much before the execution was created may count.
    const createdBy = createdAt === undefined ? Number.NaN : Date.parse(createdAt) + 1_000;
    // An object no API server wrote (no timestamp): any read counts.
    if (Number.isNaN(createdBy) || this.#doneBegunAt >= createdBy) return undefined;
    if (this.#reading !== undefined) return readUnderWayMs;
    const now = this.#now();
    const waitMs = Math.max(createdBy - now, this.#endedAt + this.#unknownKindMs - now);
    if (waitMs > 0) return waitMs;
    void this.read();
    return readUnderWayMs;
  }

  async #read(): Promise<void> {
    const begunAt = this.#now();
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
    } finally {
      this.#doneBegunAt = begunAt;
      this.#endedAt = this.#now();
    }
  }
}
