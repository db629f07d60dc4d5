import { printableText } from '@roundhouse/core';
import { KubernetesApiError, resources } from '@roundhouse/kube';
import { taskRuns, tasks } from '@roundhouse/pod';
import type { Session } from '../session.js';
import { renderTable } from '../table.js';
import type { Terminal } from '../terminal.js';
import { type StartInput, type TaskRunManifest, taskRunManifest } from './args.js';
import { followTaskRun } from './follow.js';
import { storedRun } from './stored-run.js';
import {
  describeTaskRun,
  isRunFinished,
  sortByName,
  type TaskObject,
  type TaskRunObject,
  taskColumns,
  taskRunColumns,
} from './views.js';

export interface StartOptions extends Omit<StartInput, 'task' | 'namespace' | 'param'> {
  readonly param?: readonly string[] | undefined;
  readonly watch?: boolean | undefined;
  readonly showlog?: boolean | undefined;
  /** How long a follow waits for the TaskRun controller to take the run up; see unclaimed.ts. */
  readonly unclaimedLimitMs?: number | undefined;
}

/**
 * `task start TASK`: creates a TaskRun of the Task; with --watch or --showlog follows it to its
 * end. The Task is looked up first so a typo fails here, not as a TaskNotFound run.
 */
export async function startTask(
  session: Session,
  term: Terminal,
  task: string,
  options: StartOptions,
  signal: AbortSignal,
): Promise<number> {
  const namespace = session.namespace;
  const manifest = taskRunManifest({ ...options, param: options.param ?? [], task, namespace });
  await fetchNamed<TaskObject>(session, tasks, task);
  const { object, warnings } = await session.call(
    { verb: 'create', resource: taskRuns, namespace },
    () => session.client.create<TaskRunManifest>(taskRuns, namespace, manifest),
  );
  for (const warning of warnings) term.err.write(`Warning: ${printableText(warning)}\n`);
  const name = object.metadata.name as string;
  term.out.write(`TaskRun ${name} created successfully\n`);
  if (!options.watch && !options.showlog) return 0;
  return followTaskRun(
    session,
    term,
    name,
    {
      steps: options.watch === true,
      logs: options.showlog === true,
      unclaimedLimitMs: options.unclaimedLimitMs,
    },
    signal,
  );
}

/** `task list`: the namespace's Tasks, their steps and params. */
export async function listTasks(session: Session, term: Terminal): Promise<number> {
  const items = await listAll<TaskObject>(session, tasks);
  if (!items.length) {
    term.err.write(`No Tasks found in namespace ${session.namespace}.\n`);
    return 0;
  }
  term.out.write(`${renderTable(taskColumns(new Date()), sortByName(items))}\n`);
  return 0;
}

/** `taskrun list`: the namespace's runs, oldest first, so the latest is at the prompt. */
export async function listTaskRuns(session: Session, term: Terminal): Promise<number> {
  const items = await listAll<TaskRunObject>(session, taskRuns);
  if (!items.length) {
    term.err.write(`No TaskRuns found in namespace ${session.namespace}.\n`);
    return 0;
  }
  const sorted = sortByName(items.map(storedRun)).sort((a, b) =>
    (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
  );
  term.out.write(`${renderTable(taskRunColumns(new Date()), sorted)}\n`);
  return 0;
}

/** `taskrun describe NAME`: the run, its outcome and every step. */
export async function describeRun(session: Session, term: Terminal, name: string) {
  const run = storedRun(await fetchNamed<TaskRunObject>(session, taskRuns, name));
  term.out.write(describeTaskRun(run, new Date()));
  return 0;
}

/**
 * `taskrun logs NAME`: each started step's output in order, `[step] line`; with -f, streamed
 * while the run goes on, until it ends.
 */
export async function runLogs(
  session: Session,
  term: Terminal,
  name: string,
  options: { follow: boolean; unclaimedLimitMs?: number | undefined },
  signal: AbortSignal,
): Promise<number> {
  const run = storedRun(await fetchNamed<TaskRunObject>(session, taskRuns, name));
  if (options.follow && !isRunFinished(run)) {
    const code = await followTaskRun(
      session,
      term,
      name,
      { steps: false, logs: true, unclaimedLimitMs: options.unclaimedLimitMs },
      signal,
    );
    // The outcome is the run's, not the command's: logs succeeded if they were read.
    return code === 130 ? 130 : 0;
  }
  const pod = run.status?.podName;
  if (!pod) {
    term.err.write(
      `TaskRun ${name} has no Pod (phase ${printableText(run.status?.phase ?? '-')}).\n`,
    );
    return 0;
  }
  for (const step of run.status?.stepStatuses ?? []) {
    if (step.state === 'Waiting' || step.state === 'Skipped') continue;
    const lines = session.client.logs(session.namespace, pod, { container: step.name, signal });
    await session.call(
      { verb: 'get', resource: podLogs, namespace: session.namespace },
      async () => {
        for await (const line of lines) {
          term.out.write(`[${printableText(step.name)}] ${term.logText(line)}\n`);
        }
      },
    );
  }
  return 0;
}

/** Where the output of pods is read: their log subresource. */
const podLogs = { ...resources.pods, plural: 'pods/log' };

async function listAll<T extends TaskObject | TaskRunObject>(
  session: Session,
  type: typeof tasks,
): Promise<T[]> {
  const namespace = session.namespace;
  const { items } = await session.call({ verb: 'list', resource: type, namespace }, () =>
    session.client.list<T>(type, namespace),
  );
  return items;
}

/** The object, or an error that says it does not exist (or that its CRD is missing). */
async function fetchNamed<T extends TaskObject | TaskRunObject>(
  session: Session,
  type: typeof tasks,
  name: string,
): Promise<T> {
  const access = { verb: 'get', resource: type, namespace: session.namespace, name };
  const object = await session.call(access, () =>
    session.client.get<T>(type, session.namespace, name),
  );
  // The client reads a 404 as "no such object"; the session tells that from a missing CRD.
  if (!object) {
    throw await session.explain(
      new KubernetesApiError('NotFound', `${type.kind} ${name} not found`, 404),
      access,
    );
  }
  return object;
}
