import type { Logger } from '@roundhouse/core';

/** `retainedLogBytes` when none is given: 8 MiB of each stream. */
export const defaultRetainedLogBytes = 8 * 1024 * 1024;

export interface ProcessSupervisorOptions {
  /** Where task records and logs live; created if missing. One supervisor per directory. */
  readonly dataDir: string;
  /** How often every task is looked at (exits, timeouts, stops); default 500 ms. */
  readonly reconcileIntervalMs?: number | undefined;
  /** Between SIGTERM and SIGKILL when a task is stopped; default 10 s. */
  readonly gracePeriodMs?: number | undefined;
  /**
   * Most tasks active at once (pending or running, not being deleted); a create past it throws
   * TaskLimitError. Default: no limit.
   */
  readonly maxConcurrentTasks?: number | undefined;
  /**
   * At recovery, drop a task whose process ended without an exit status while nothing watched
   * it (instead of reporting it `Unknown`), so the next create of its name runs it again: at
   * least once, as OpenSandbox's agent. Default false: at most once.
   */
  readonly rerunLostTasks?: boolean | undefined;
  /**
   * How much of each task's stdout and stderr is kept on disk: the last `retainedLogBytes` to
   * twice that, rotated on each reconcile pass (output written while no supervisor runs is
   * rotated when one next does). Default 8 MiB.
   */
  readonly retainedLogBytes?: number | undefined;
  /** Run tasks without `execMode` inside the main container's namespaces; default false. */
  readonly sidecarMode?: boolean | undefined;
  /** `SANDBOX_MAIN_CONTAINER` value that marks the main container's process; default `main`. */
  readonly mainContainerName?: string | undefined;
  /**
   * The environment Local tasks (and Local hooks) start from, exactly. Default: this process's
   * PATH, HOME, LANG, LC_*, TZ and TMPDIR, and the variables `passEnvironment` names; never
   * the rest, which in a controller holds its in-cluster address and settings.
   */
  readonly environment?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Names of this process's variables Local tasks get besides the minimal set, or `'all'` for
   * its whole environment, as OpenSandbox's agent passes it. Not with `environment`.
   */
  readonly passEnvironment?: readonly string[] | 'all' | undefined;
  readonly logger?: Logger | undefined;
  /** procfs mount point; default `/proc`. */
  readonly procRoot?: string | undefined;
  /** Shell for the shim; default `/bin/sh`. */
  readonly shell?: string | undefined;
  /** nsenter for Remote tasks; default `nsenter` on PATH. */
  readonly nsenter?: string | undefined;
}
