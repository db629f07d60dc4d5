import { Informer } from '@roundhouse/controller';
import { printableText } from '@roundhouse/core';
import { taskRuns } from '@roundhouse/pod';
import { createLogUpdate } from 'log-update';
import { followLogger } from '../failing-watch.js';
import type { Session } from '../session.js';
import type { Terminal } from '../terminal.js';
import {
  taskRunKind,
  UnclaimedExecutionError,
  unclaimedCheckMs,
  unclaimedLimitMs,
} from '../unclaimed.js';
import { endLine, liveRunFrame, newMilestones, runExitCode } from './progress.js';
import { storedRun } from './stored-run.js';
import type { TaskRunObject } from './views.js';

export interface FollowOptions {
  /** Report the steps: in place on a terminal, else a line per transition. */
  readonly steps: boolean;
  /** Stream each step container's log as the step starts, `[step] line`. */
  readonly logs: boolean;
  /** How long the run may go without a status before the follow fails; see unclaimed.ts. */
  readonly unclaimedLimitMs?: number | undefined;
}

/** Redraws per second of the live view: enough for a smooth spinner, little work. */
const frameIntervalMs = 100;

/**
 * Follows one TaskRun until it has Succeeded or Failed and returns the exit code: 0 when it
 * succeeded, 1 when it failed or was deleted first, 130 when interrupted; it fails with
 * UnclaimedExecutionError when no controller writes the run's first status in time. Logs and a
 * frame redrawn in place would overwrite each other, so with logs the steps are reported as
 * plain lines even on a terminal.
 */
export async function followTaskRun(
  session: Session,
  term: Terminal,
  name: string,
  options: FollowOptions,
  signal: AbortSignal,
): Promise<number> {
  const namespace = session.namespace;
  // A read first, so a refusal fails at once with its fix; the informer would retry for ever.
  await session.call({ verb: 'list', resource: taskRuns, namespace }, () =>
    session.client.list(taskRuns, namespace, { fieldSelector: `metadata.name=${name}` }),
  );
  let settle = () => {};
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let failure: unknown;
  const informer = new Informer<TaskRunObject>(session.clusterConfig, taskRuns, {
    client: session.client,
    namespace,
    logger: followLogger(session.server, (error) => {
      failure ??= error;
      settle();
    }),
  });
  // Its own stop too: a follow that fails ends the steps' streams, which would go on with them.
  const stopLogs = new AbortController();
  const logs = new StepLogs(session, term, namespace, AbortSignal.any([signal, stopLogs.signal]));
  const live = options.steps && !options.logs && term.live ? createLogUpdate(term.out) : undefined;
  const printed = new Map<string, string>();
  let last: TaskRunObject | undefined;
  // How it was deleted, if it was: `unseen` when no watch event carried its final state.
  let deleted: 'seen' | 'unseen' | undefined;
  const seen = (stored: TaskRunObject) => {
    if (stored.metadata.name !== name) return;
    const run = storedRun(stored);
    last = run;
    if (options.logs) logs.follow(run);
    if (options.steps && !live) {
      for (const line of newMilestones(printed, run)) term.out.write(`${line}\n`);
    }
    const phase = run.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') settle();
  };
  informer.on('add', seen).on('update', seen);
  informer.on('delete', (run, { finalStateUnknown }) => {
    if (run.metadata.name !== name) return;
    deleted = finalStateUnknown ? 'unseen' : 'seen';
    settle();
  });
  let tick = 0;
  const draw = () =>
    last &&
    live?.(
      liveRunFrame(last, {
        now: new Date(),
        tick: tick++,
        colors: term.colors,
      }),
    );
  const timer = live ? setInterval(draw, frameIntervalMs) : undefined;
  const limitMs = options.unclaimedLimitMs ?? unclaimedLimitMs;
  const since = Date.now();
  // As watch.ts: a run without a status after the limit has no controller to run it.
  const unclaimed = setInterval(() => {
    if (last && last.status === undefined && Date.now() - since >= limitMs) {
      failure ??= new UnclaimedExecutionError([{ namespace, name }], limitMs, taskRunKind);
      settle();
    }
  }, unclaimedCheckMs(limitMs));
  signal.addEventListener('abort', settle, { once: true });
  // Interrupted while it was starting: the abort event came before this listener.
  if (signal.aborted) settle();
  try {
    // Not awaited: an interrupt must end the follow even before the informer's first list.
    informer.start().then(
      () => {
        // Deleted between its creation (or the read above) and the informer's list: no event
        // will say so.
        if (!informer.get(namespace, name)) {
          deleted = 'unseen';
          settle();
        }
      },
      () => {},
    );
    await done;
  } finally {
    clearInterval(timer);
    clearInterval(unclaimed);
    signal.removeEventListener('abort', settle);
    await informer.stop();
  }
  draw();
  live?.done();
  if (failure && !signal.aborted) {
    stopLogs.abort();
    await logs.drained();
    throw await session.explain(failure, { verb: 'watch', resource: taskRuns, namespace });
  }
  // Every step has ended, so each followed log ends with its container.
  await logs.drained();
  if (signal.aborted) return 130;
  if (deleted || !last) {
    term.out.write(
      deleted === 'seen'
        ? `TaskRun ${name} was deleted before it finished\n`
        : `TaskRun ${name} was deleted; its final state was not seen\n`,
    );
    return 1;
  }
  term.out.write(`${endLine(last, new Date())}\n`);
  return runExitCode(last);
}

/** The logs of a run's steps, each streamed once, from when its container started. */
class StepLogs {
  private readonly streams = new Map<string, Promise<void>>();

  constructor(
    private readonly session: Session,
    private readonly term: Terminal,
    private readonly namespace: string,
    private readonly signal: AbortSignal,
  ) {}

  /** Starts streaming every step of `run` that has started and is not streamed yet. */
  follow(run: TaskRunObject): void {
    const pod = run.status?.podName;
    if (!pod) return;
    for (const step of run.status?.stepStatuses ?? []) {
      if (step.state === 'Waiting' || step.state === 'Skipped' || this.streams.has(step.name)) {
        continue;
      }
      this.streams.set(step.name, this.stream(pod, step.name));
    }
  }

  async drained(): Promise<void> {
    await Promise.all(this.streams.values());
  }

  private async stream(pod: string, step: string): Promise<void> {
    try {
      const lines = this.session.client.logs(this.namespace, pod, {
        container: step,
        follow: true,
        signal: this.signal,
      });
      for await (const line of lines) {
        this.term.out.write(`[${printableText(step)}] ${this.term.logText(line)}\n`);
      }
    } catch (error) {
      // A step's output is a convenience beside the run's outcome: say it is missing, go on.
      if (this.signal.aborted) return;
      this.term.err.write(
        `warning: no log for step ${printableText(`${step}: ${(error as Error).message}`)}\n`,
      );
    }
  }
}
