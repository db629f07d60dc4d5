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

function ahead(a: Claimant, b: Claimant): boolean {
  if (a.holds !== b.holds) return a.holds < b.holds;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  return a.key < b.key;
}
