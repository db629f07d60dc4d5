/** A DistExec waiting for room under `--max-jobs-per-namespace`. */
export interface Claimant {
  /** The DistExec's `namespace/name`. */
  readonly key: string;
  /** Its `metadata.creationTimestamp` (RFC 3339, so it sorts as it reads). */
  readonly createdAt: string;
  /** The namespace's slots it holds now: unfinished node Jobs and creates not shown yet. */
  readonly holds: number;
}

/**
 * Which of the DistExecs waiting in one namespace the next free slot goes to: the one holding
 * the fewest, then the oldest, then by name. Holding fewest first shares the room out evenly
 * (a DistExec of thousands of nodes cannot keep every slot while a later one of three waits
 * for all of it to end), and among equals the room is first come, first served.
 */
export function nextInLine(claimants: readonly Claimant[]): string | undefined {
  let next: Claimant | undefined;
  for (const claimant of claimants) {
    if (next === undefined || ahead(claimant, next)) next = claimant;
  }
  return next?.key;
}

/**
 * How many of `free` slots `key`'s DistExec may take now: its part when they are dealt out
 * one at a time, each to the DistExec next in line (`nextInLine`) counting those dealt. One
 * reconcile takes its whole part, instead of one slot before the others' turn: filling a room
 * of 500 took about 500 reconciles, each with its status write. The parts of the others stay
 * theirs, so a large DistExec woken first by its own Jobs ending still takes none of a slot a
 * later one holding fewer is due.
 */
export function shareOf(claimants: readonly Claimant[], free: number, key: string): number {
  const claimant = claimants.find((c) => c.key === key);
  if (claimant === undefined) return 0;
  const holds = claimants.map((c) => c.holds).sort((a, b) => a - b);
  // Dealing raises those holding fewest to a common level: find the highest every slot of one
  // more reaches, from the fewest held up.
  let left = Math.max(0, free);
  let level = holds[0] ?? 0;
  let raised = 0;
  for (;;) {
    while (raised < holds.length && (holds[raised] ?? 0) <= level) raised += 1;
    const rise = Math.min(
      (holds[raised] ?? Number.POSITIVE_INFINITY) - level,
      Math.floor(left / raised),
    );
    if (rise === 0) break;
    level += rise;
    left -= rise * raised;
  }
  if (claimant.holds > level) return 0;
  // The slots too few to raise them all once more go one each to those at the level, in the
  // order they are in line among equals.
  const first = claimants
    .filter((c) => c.holds <= level)
    .map((c) => ({ ...c, holds: level }))
    .sort((a, b) => (ahead(a, b) ? -1 : 1))
    .slice(0, left);
  return level - claimant.holds + (first.some((c) => c.key === key) ? 1 : 0);
}

function ahead(a: Claimant, b: Claimant): boolean {
  if (a.holds !== b.holds) return a.holds < b.holds;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  return a.key < b.key;
}
