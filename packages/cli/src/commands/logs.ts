import { parseWorkflowExecution, printableText, requestedEngine } from '@roundhouse/core';
import { isKubernetesError, resources } from '@roundhouse/kube';
import { TaskExecutorClientError } from '@roundhouse/process';
import { LogsUnavailableError } from '../errors.js';
import { agentErrorFix, type ExecutorFactory } from '../executors.js';
import type { Session } from '../session.js';
import type { Terminal } from '../terminal.js';
import { type Execution, messageOf, phaseOf, reasonOf } from '../views.js';
import { waitForStart } from '../watch.js';
import { fetchExecution } from './inspect.js';

export interface LogsOptions {
  readonly follow: boolean;
  readonly tail?: number | undefined;
  /** Start each line with its source (`[pod/container]`); off for plain output to pipe on. */
  readonly prefix: boolean;
  /** How long -f waits for a controller to take the execution up; see unclaimed.ts. */
  readonly unclaimedLimitMs?: number | undefined;
}

/** Where the output of pods is read: their log subresource. */
const podLogs = { ...resources.pods, plural: 'pods/log' };

/**
 * `logs NAME`: the execution's output, read through its engine's executor (the pods of a Job
 * or PipelineRun, an AWX job's stdout), so the CLI never guesses where output lives.
 */
export async function logs(
  session: Session,
  term: Terminal,
  name: string,
  options: LogsOptions,
  build: ExecutorFactory,
  signal: AbortSignal,
): Promise<number> {
  let object = await fetchExecution(session, name);
  const engine = requestedEngine(object.spec);
  const { executor, close } = await build(engine);
  try {
    if (!executor.logs) {
      throw new LogsUnavailableError(
        `the ${engine} engine's executor offers no logs`,
        `the engine's package has to implement Executor.logs; until then read the output where the engine keeps it (kubectl roundhouse describe ${name} names the execution resource)`,
      );
    }
    if (!object.status?.executionRef?.name) {
      object = await notStartedYet(session, object, options, signal);
      if (signal.aborted) return 130;
    }
    const wfe = parseWorkflowExecution(object);
    const namespace = session.executionNamespace;
    const lines = executor.logs(wfe, namespace, {
      follow: options.follow,
      ...(options.tail !== undefined ? { tailLines: options.tail } : {}),
      signal,
    });
    try {
      for await (const line of lines) {
        const text = term.logText(line.text);
        term.out.write(options.prefix ? `[${printableText(line.source)}] ${text}\n` : `${text}\n`);
      }
    } catch (error) {
      if (error instanceof TaskExecutorClientError) {
        const fix = agentErrorFix(error);
        if (fix) throw new LogsUnavailableError(error.message, fix);
        throw error;
      }
      if (isKubernetesError(error, 'NotFound')) {
        throw new LogsUnavailableError(
          `${name} has no execution resource any more: ${(error as Error).message}`,
          'logs live as long as the execution resource; the controller removes it after the cooldown (LockReleased)',
        );
      }
      throw await session.explain(error, { verb: 'get', resource: podLogs, namespace });
    }
    return signal.aborted ? 130 : 0;
  } finally {
    await close();
  }
}

/** An execution without a resource yet: wait with -f, else say why there is nothing. */
async function notStartedYet(
  session: Session,
  object: Execution,
  options: LogsOptions,
  signal: AbortSignal,
): Promise<Execution> {
  const name = object.metadata.name ?? '';
  const ended = object.status?.phase === 'Completed' || object.status?.phase === 'Failed';
  if (!ended && options.follow) {
    const started = await waitForStart(
      session,
      session.namespace,
      name,
      signal,
      options.unclaimedLimitMs,
      object.metadata.uid,
    );
    if (!started || started.status?.executionRef?.name) return started ?? object;
    object = started;
  }
  const reason = reasonOf(object);
  const why = reason ? ` (${reason}: ${messageOf(object)})` : '';
  if (object.status?.phase === 'Completed' || object.status?.phase === 'Failed') {
    throw new LogsUnavailableError(
      `${name} ended ${phaseOf(object)} before anything ran${why}, so it has no output`,
      `kubectl roundhouse describe ${name} shows what happened`,
    );
  }
  throw new LogsUnavailableError(
    `${name} has not started yet (phase ${phaseOf(object)}${why})`,
    `wait for its output with kubectl roundhouse logs -f ${name}`,
  );
}
