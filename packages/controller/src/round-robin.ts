import { Fifo } from './fifo.js';

/** A group's items, and the group's name to forget it by once they are all taken. */
interface Group<T> {
  readonly name: string;
  readonly items: Fifo<T>;
}

/**
 * Items in groups, handed out one group at a time in turn, each group's in the order they
 * were pushed: one group's thousand items cannot hold back another's one. Push and shift are
 * O(1) amortised however many groups there are: only groups holding an item take turns.
 */
export class RoundRobin<T> {
  readonly #groups = new Map<string, Group<T>>();
  /** Every group holding an item, in the order of their next turns. */
  readonly #turns = new Fifo<Group<T>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /**
   * Queues `item` last in its group. A group that held nothing takes its first turn after
   * every group already waiting; one that holds items keeps its place.
   */
  push(group: string, item: T): void {
    let entry = this.#groups.get(group);
    if (entry === undefined) {
      entry = { name: group, items: new Fifo<T>() };
      this.#groups.set(group, entry);
      this.#turns.push(entry);
    }
    entry.items.push(item);
    this.#size += 1;
  }

  /** The oldest item of the group whose turn it is; call only when `size > 0`. */
  shift(): T {
    const group = this.#turns.shift();
    const item = group.items.shift();
    this.#size -= 1;
    if (group.items.size > 0) this.#turns.push(group);
    else this.#groups.delete(group.name);
    return item;
  }
}
