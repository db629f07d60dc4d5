import type { Run } from './crash-harness.js';

/** What a DistExec's command does on each node (by the node's index), attempt after attempt. */
export interface Kind {
  readonly retries: number;
  readonly timeoutSeconds?: number;
  readonly runs: readonly (readonly Run[])[];
}

/**
 * The kinds both crash campaigns draw their DistExecs from, so that each reaches successes, exit
 * codes, retries and timeouts. `hang` and `timeoutSeconds` stay the campaign's own: its checks
 * recognise its `hang` by identity, and each engine needs its own time to end a command.
 */
export function crashKinds(hang: Run, timeoutSeconds: number): readonly Kind[] {
  return [
    { retries: 0, runs: [[{ exitCode: 0, seconds: 0.3 }], [{ exitCode: 0, seconds: 1 }]] },
    {
      retries: 1,
      runs: [
        [
          { exitCode: 3, seconds: 0 },
          { exitCode: 4, seconds: 0.5 },
        ],
        [{ exitCode: 0, seconds: 0.2 }],
      ],
    },
    {
      retries: 2,
      runs: [
        [
          { exitCode: 1, seconds: 0.2 },
          { exitCode: 0, seconds: 0 },
        ],
        [
          { exitCode: 2, seconds: 0 },
          { exitCode: 2, seconds: 0 },
          { exitCode: 5, seconds: 0.3 },
        ],
      ],
    },
    // Timed out, then done at once; and timed out twice.
    {
      retries: 1,
      timeoutSeconds,
      runs: [
        [hang, { exitCode: 0, seconds: 0 }],
        [hang, hang],
      ],
    },
    { retries: 0, runs: [[{ exitCode: 0, seconds: 2 }], [{ exitCode: 7, seconds: 1.5 }]] },
  ];
}

/**
 * How a node's entry ends when its attempts run as `runs` says, `retries + 1` at most; `hang`
 * is the campaign's command that outlasts the timeout, recognised by identity.
 */
export function expectedEnd(kind: Kind, runs: readonly Run[], hang: Run) {
  const last = kind.retries + 1;
  const success = runs.findIndex((r) => r.exitCode === 0 && r !== hang);
  if (success >= 0 && success < last) {
    return { phase: 'Succeeded', attempts: success + 1, reason: 'Completed', exitCode: 0 };
  }
  const run = runs[last - 1] as Run;
  return run === hang
    ? { phase: 'Failed', attempts: last, reason: 'Timeout' }
    : { phase: 'Failed', attempts: last, exitCode: run.exitCode };
}
