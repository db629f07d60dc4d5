import { objectKey } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { type SlotEntry, type SlotVerdict, slotEntryOf } from './attempt-slots.js';

/** One namespace's actions that hold a slot or wait for one. */
interface Line {
  /** Every action of the line by key: those in flight and those waiting. */
  readonly entries: Map<string, SlotEntry>;
  inFlight: number;
  /** The waiting actions, first created first. */
  readonly waiting: SlotEntry[];
}

/**
 * How many waiting entries come before `order`: a binary search, as the line is kept sorted.
 * Orders are unique in a namespace (the name is part of one), so the entry of `order` itself is
 * never counted.
 */
function rank(waiting: readonly SlotEntry[], order: string): number {
  let low = 0;
  let high = waiting.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((waiting[middle] as SlotEntry).order < order) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The cap's line of every namespace, kept as the TaskAction informer changes rather than read
 * again for each verdict: a verdict is a binary search plus a look at this process's claims
 * (at most one per worker), not a pass over the namespace, which a burst of one author's
 * thousands of actions made quadratic. A change costs a binary search and, for a waiting
 * action, moving the entries after it. Fed from the informer's own events (`set` on add and
 * update, `remove` on delete), it holds what the cache holds, so a restart counts from the
 * statuses alone.
 */
export class SlotLines {
  readonly #lines = new Map<string, Line>();

  /** Records `object` as the cache now holds it, in place of what it was. */
  set(object: KubeObject): void {
    this.remove(object);
    const entry = slotEntryOf(object);
    if (!entry || entry.place === 'none') return;
    let line = this.#lines.get(entry.namespace);
    if (!line) {
      line = { entries: new Map(), inFlight: 0, waiting: [] };
      this.#lines.set(entry.namespace, line);
    }
    line.entries.set(entry.key, entry);
    if (entry.place === 'inFlight') line.inFlight += 1;
    else line.waiting.splice(rank(line.waiting, entry.order), 0, entry);
  }

  /** Forgets `object`: the cache no longer holds it. */
  remove(object: KubeObject): void {
    const namespace = object.metadata?.namespace ?? '';
    const line = this.#lines.get(namespace);
    const key = objectKey(object);
    const entry = line?.entries.get(key);
    if (!line || !entry) return;
    line.entries.delete(key);
    if (entry.place === 'inFlight') line.inFlight -= 1;
    else line.waiting.splice(rank(line.waiting, entry.order), 1);
    if (line.entries.size === 0) this.#lines.delete(namespace);
  }

  /**
   * Whether `candidate`, a Queued action, may launch its attempt now: only while fewer than `max`
   * attempts of its namespace are in flight, and only ahead of every action of its namespace
   * created after it, so the line is first created first. A claimed action counts as in flight
   * whatever its cached status says: it is between its verdict and the status that says it
   * launched. The candidate does not count itself.
   */
  judge(candidate: KubeObject, claimed: ReadonlySet<string>, max: number): SlotVerdict {
    const self = slotEntryOf(candidate);
    if (!self) return { verdict: 'launch' };
    const line = this.#lines.get(self.namespace);
    let inFlight = line?.inFlight ?? 0;
    let ahead = line ? rank(line.waiting, self.order) : 0;
    if (line?.entries.get(self.key)?.place === 'inFlight') inFlight -= 1;
    for (const key of claimed) {
      const entry = key === self.key ? undefined : line?.entries.get(key);
      if (entry?.place !== 'waiting') continue;
      inFlight += 1;
      if (entry.order < self.order) ahead -= 1;
    }
    return inFlight + ahead < max ? { verdict: 'launch' } : { verdict: 'wait', inFlight, ahead };
  }

  /** The keys of `namespace`'s waiting actions a free slot would go to now, first in line first. */
  nextInLine(namespace: string, claimed: ReadonlySet<string>, max: number): string[] {
    const line = this.#lines.get(namespace);
    if (!line) return [];
    let inFlight = line.inFlight;
    for (const key of claimed) if (line.entries.get(key)?.place === 'waiting') inFlight += 1;
    const next: string[] = [];
    for (const entry of line.waiting) {
      if (next.length >= max - inFlight) break;
      if (!claimed.has(entry.key)) next.push(entry.key);
    }
    return next;
  }
}
