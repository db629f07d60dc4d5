import { setTimeout as sleep } from 'node:timers/promises';
import { distExecs } from '../src/resource.js';
import type { Kind } from './crash-kinds.js';
import type { World } from './harness.js';

/** One DistExec a campaign created. */
export interface Planned {
  readonly name: string;
  readonly uid: string;
  readonly kind: Kind;
}

/** The commands a campaign gives its DistExecs: the one part of the churn that is its own. */
export interface Commands<P extends Planned> {
  /** The `count`th DistExec's command, and what its plan holds besides name, uid and kind. */
  created(kind: Kind, name: string, count: number): { shell: string; plan: Omit<P, keyof Planned> };
  /** The command of `plan`'s DistExec after the `changes`th spec change, `count` created so far. */
  changed(plan: P, changes: number, count: number): string;
}

/**
 * The DistExecs a crash campaign creates, changes, deletes and creates again under the same
 * name, round by round, around the kills of whatever runs them. Every choice is drawn from
 * `random`, in the order the campaign draws its own, so CRASH_SEED replays a whole schedule.
 */
export class DistExecChurn<P extends Planned> {
  /** Every DistExec ever created, by uid, deleted ones too. */
  readonly plans = new Map<string, P>();
  /** The uid each name holds now. */
  readonly current = new Map<string, string>();
  /** The uids of the DistExecs deleted. */
  readonly deleted = new Set<string>();
  /** One DistExec of each kind, never deleted, so every kind reaches the end checks. */
  readonly #kept = new Set<string>();
  readonly #toRecreate = new Set<string>();
  #created = 0;
  #changes = 0;

  constructor(
    private readonly world: World,
    private readonly random: () => number,
    private readonly kinds: readonly Kind[],
    private readonly commands: Commands<P>,
  ) {}

  /** How many spec changes were made. */
  get changes(): number {
    return this.#changes;
  }

  /**
   * Before the round's start: arrivals while nothing runs them, so each start begins with a
   * burst of work for the kill to land in; a deleted name once gone comes back; and sometimes
   * a spec change.
   */
  async arrive(round: number): Promise<void> {
    const first = await this.#create(this.kinds[round % this.kinds.length] as Kind);
    if (round < this.kinds.length) this.#kept.add(first);
    await this.#create(this.#randomKind());
    for (const name of this.#toRecreate) {
      if (await this.world.read(name)) continue;
      this.#toRecreate.delete(name);
      await this.#create(this.#randomKind(), name);
      break;
    }
    if (round % 4 === 2) await this.#changeRandom();
  }

  /**
   * While the round's controller or agents run: sometimes a deletion (then `afterRemoval`, which
   * may give the deletion time to be handled before the kill) and sometimes a spec change.
   */
  async meanwhile(
    round: number,
    afterRemoval: () => Promise<unknown> = async () => {},
  ): Promise<void> {
    if (round % 3 === 1) {
      await this.#removeRandom();
      await afterRemoval();
    }
    if (round % 4 === 3) await this.#changeRandom();
  }

  /** While they are down: work goes on and ends, and a DistExec may be deleted. */
  async whileDown(round: number): Promise<void> {
    if (round % 3 === 2) await this.#removeRandom();
    await sleep(this.random() * 300);
  }

  async #create(kind: Kind, name = `dx-${this.#created}`): Promise<string> {
    this.#created += 1;
    const { shell, plan } = this.commands.created(kind, name, this.#created);
    const object = await this.world.createDistExec(name, {
      shell,
      retries: kind.retries,
      ...(kind.timeoutSeconds ? { timeoutSeconds: kind.timeoutSeconds } : {}),
    });
    const uid = object.metadata?.uid as string;
    this.plans.set(uid, { ...plan, name, uid, kind } as P);
    this.current.set(name, uid);
    return name;
  }

  #randomKind(): Kind {
    return this.kinds[Math.floor(this.random() * this.kinds.length)] as Kind;
  }

  /** A live name at random; with `deletable`, none of the kept ones. */
  #randomLive(deletable = false): string | undefined {
    const names = [...this.current.keys()].filter((n) => !(deletable && this.#kept.has(n)));
    return names[Math.floor(this.random() * names.length)];
  }

  async #removeRandom(): Promise<void> {
    const name = this.#randomLive(true);
    const uid = name && this.current.get(name);
    if (!name || !uid) return;
    this.current.delete(name);
    this.deleted.add(uid);
    this.#toRecreate.add(name);
    await this.world.admin.delete(distExecs, this.world.env.namespace, name);
  }

  async #changeRandom(): Promise<void> {
    const name = this.#randomLive();
    if (!name) return;
    const plan = this.plans.get(this.current.get(name) as string) as P;
    this.#changes += 1;
    await this.world.admin.patch(
      distExecs,
      this.world.env.namespace,
      name,
      { spec: { shell: this.commands.changed(plan, this.#changes, this.#created) } },
      { strategy: 'merge' },
    );
  }
}
