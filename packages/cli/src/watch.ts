import { Informer } from '@roundhouse/controller';
import { createLogUpdate } from 'log-update';
import { AbandonedExecutionError, isAbandoned } from './abandoned.js';
import { NotFoundError } from './errors.js';
import { followLogger } from './failing-watch.js';
import type { Session } from './session.js';
import type { Terminal } from './terminal.js';
import { UnclaimedExecutionError, unclaimedCheckMs, unclaimedLimitMs } from './unclaimed.js';
import type { Execution } from './views.js';
import {
  exitCodeOf,
  liveFrame,
  milestoneOf,
  outcomeOf,
  progressLine,
  summaryLine,
  type Watched,
} from './watch-view.js';

/** What to watch: these executions, or every one in the namespace (all with `undefined`). */
export interface WatchScope {
  readonly namespace: string | undefined;
  readonly names?: readonly string[] | undefined;
  /**
   * How long an execution may go without a status, or stay unfinished past its deadline,
   * before the watch fails; see unclaimed.ts and abandoned.ts.
   */
  readonly unclaimedLimitMs?: number | undefined;
}

/** Redraws per second of the live view: enough for a smooth spinner, little work. */
const frameIntervalMs = 100;

/**
 * Follows executions until every one is terminal and returns the exit code: 0 when all
 * completed, 1 otherwise, 130 when interrupted. Watching a namespace also takes in executions
 * created meanwhile. On a terminal the table redraws in place; elsewhere a plain line is
 * printed whenever an execution reaches a new step.
 */
export async function watchExecutions(
  session: Session,
  term: Terminal,
  scope: WatchScope,
  signal: AbortSignal,
): Promise<number> {
  const { namespace, names } = scope;
  // A list first, so a refusal or a missing CRD fails at once with its fix; the informer
  // below would retry those for ever.
  const { items } = await session.call(
    { verb: 'list', resource: session.workflowExecutions, namespace },
    () => session.client.list<Execution>(session.workflowExecutions, namespace),
  );
  const nameOf = (o: Execution) => `${o.metadata.namespace}/${o.metadata.name}`;
  // An execution is its uid: a name deleted and created again is another execution, which a
  // watch of a namespace follows as well and a watch of names does not.
  const keyOf = (o: Execution) => `${nameOf(o)}/${o.metadata.uid ?? ''}`;
  const wanted = names && new Set(names.map((n) => `${namespace}/${n}`));
  const wantedUid = new Map<string, string | undefined>();
  const watched = new Map<string, Watched>();
  // When this watch first saw each execution: the server's creationTimestamp is on its clock.
  const firstSeen = new Map<string, number>();
  const see = (object: Execution, deletion?: { finalStateUnknown: boolean }) => {
    const key = keyOf(object);
    if (wanted) {
      if (!wanted.has(nameOf(object))) return;
      if (!wantedUid.has(nameOf(object))) wantedUid.set(nameOf(object), object.metadata.uid);
      if (wantedUid.get(nameOf(object)) !== object.metadata.uid) return;
    } else if (deletion && !watched.has(key)) return;
    // Nothing follows a deletion: an event late for it must not bring it back.
    if (watched.get(key)?.deleted) return;
    const { namespace: ns = '', name = '' } = object.metadata;
    watched.set(key, {
      namespace: ns,
      name,
      object,
      deleted: deletion !== undefined,
      finalStateUnknown: deletion?.finalStateUnknown,
    });
    if (!firstSeen.has(key)) firstSeen.set(key, Date.now());
  };
  for (const item of items) see(item);
  for (const key of wanted ?? []) {
    if (!wantedUid.has(key)) {
      throw new NotFoundError(`WorkflowExecution "${key.split('/')[1]}"`, namespace ?? '');
    }
  }
  if (watched.size === 0) {
    term.err.write(
      `No WorkflowExecutions to watch in ${namespace ? `namespace ${namespace}` : 'any namespace'}.\n`,
    );
    return 0;
  }

  const all = () => [...watched.values()];
  const finished = () => all().every((w) => outcomeOf(w) !== 'running');
  let settle = () => {};
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let failure: unknown;
  const informer = new Informer<Execution>(session.clusterConfig, session.workflowExecutions, {
    client: session.client,
    ...(namespace ? { namespace } : {}),
    logger: followLogger(session.server, (error) => {
      failure ??= error;
      settle();
    }),
  });
  const printed = new Map<string, string>();
  const printChanges = () => {
    for (const [key, w] of watched) {
      const milestone = milestoneOf(w);
      if (printed.get(key) === milestone) continue;
      printed.set(key, milestone);
      term.out.write(`${progressLine(w, new Date())}\n`);
    }
  };
  const changed = () => {
    if (!term.live) printChanges();
    if (finished()) settle();
  };
  informer.on('add', (o) => {
    see(o);
    changed();
  });
  informer.on('update', (o) => {
    see(o);
    changed();
  });
  informer.on('delete', (o, deletion) => {
    see(o, deletion);
    changed();
  });

  const live = term.live ? createLogUpdate(term.out) : undefined;
  let tick = 0;
  const draw = () =>
    live?.(
      liveFrame(all(), {
        now: new Date(),
        tick: tick++,
        colors: term.colors,
      }),
    );
  const timer = live ? setInterval(draw, frameIntervalMs) : undefined;
  const limitMs = scope.unclaimedLimitMs ?? unclaimedLimitMs;
  const unclaimed = setInterval(() => {
    const now = Date.now();
    const waiting = all().filter(
      (w) =>
        !w.deleted &&
        w.object.status === undefined &&
        now - (firstSeen.get(keyOf(w.object)) ?? now) >= limitMs,
    );
    if (waiting.length > 0) {
      failure ??= new UnclaimedExecutionError(waiting, limitMs);
      settle();
      return;
    }
    const abandoned = all().filter(
      (w) => outcomeOf(w) === 'running' && isAbandoned(w.object, now, limitMs),
    );
    if (abandoned.length === 0) return;
    failure ??= new AbandonedExecutionError(
      abandoned.map((w) => w.object),
      limitMs,
    );
    settle();
  }, unclaimedCheckMs(limitMs));
  const stop = () => settle();
  signal.addEventListener('abort', stop, { once: true });
  // A Ctrl-C while the command was still starting (listing, building its executor) came
  // before this listener: the abort event will not fire again.
  if (signal.aborted) stop();
  try {
    changed();
    draw();
    if (!finished()) {
      // Not awaited: an interrupt must end the watch even before the informer's first list.
      informer.start().then(
        () => {
          // Deleted between the list above and the informer's (perhaps created again): no
          // event will say so, nor what it last was.
          for (const w of all()) {
            const current = informer.get(w.namespace, w.name);
            if (!w.deleted && current?.metadata.uid !== w.object.metadata.uid) {
              see(w.object, { finalStateUnknown: true });
            }
          }
          changed();
        },
        () => {},
      );
      await done;
    }
  } finally {
    clearInterval(timer);
    clearInterval(unclaimed);
    signal.removeEventListener('abort', stop);
    await informer.stop();
  }
  draw();
  live?.done();
  if (signal.aborted) return 130;
  if (failure) {
    throw await session.explain(failure, {
      verb: 'watch',
      resource: session.workflowExecutions,
      namespace,
    });
  }
  term.out.write(`${summaryLine(all())}\n`);
  return exitCodeOf(all());
}

/**
 * Waits until the execution has an execution resource (or ended without one) and returns it
 * as it then is; `undefined` when interrupted. A refusal to watch fails it, explained, and so
 * does the execution's deletion: a deleted one never starts. With `uid`, another execution
 * created under the name is that deletion too, not the one to wait for.
 */
export async function waitForStart(
  session: Session,
  namespace: string,
  name: string,
  signal: AbortSignal,
  limitMs = unclaimedLimitMs,
  uid?: string | undefined,
): Promise<Execution | undefined> {
  let found: Execution | undefined;
  let latest: Execution | undefined;
  const since = Date.now();
  let failure: unknown;
  let fail = (_error: unknown) => {};
  const gone = () => new NotFoundError(`WorkflowExecution "${name}"`, namespace);
  const informer = new Informer<Execution>(session.clusterConfig, session.workflowExecutions, {
    client: session.client,
    namespace,
    logger: followLogger(session.server, (error) => fail(error)),
  });
  const started = new Promise<void>((resolve) => {
    fail = (error) => {
      failure ??= error;
      resolve();
    };
    const check = (o: Execution) => {
      if (o.metadata.name !== name) return;
      if (uid !== undefined && o.metadata.uid !== uid) {
        fail(gone());
        return;
      }
      latest = o;
      if (
        o.status?.executionRef?.name ||
        o.status?.phase === 'Completed' ||
        o.status?.phase === 'Failed'
      ) {
        found = o;
        resolve();
      }
    };
    informer.on('add', check).on('update', check);
    informer.on('delete', (o) => {
      if (o.metadata.name === name) fail(gone());
    });
    signal.addEventListener('abort', () => resolve(), { once: true });
    // Interrupted before this wait began (see `watch`): nothing will fire again.
    if (signal.aborted) resolve();
  });
  informer.start().then(
    () => {
      // Deleted before the informer's list: no event will say so.
      const current = informer.get(namespace, name);
      if (!current || (uid !== undefined && current.metadata.uid !== uid)) fail(gone());
    },
    () => {},
  );
  // As in watchExecutions: no status after the limit means no controller will start it.
  const unclaimed = setInterval(() => {
    if (latest && latest.status === undefined && Date.now() - since >= limitMs) {
      fail(new UnclaimedExecutionError([{ namespace, name }], limitMs));
    }
  }, unclaimedCheckMs(limitMs));
  try {
    await started;
  } finally {
    clearInterval(unclaimed);
    await informer.stop();
  }
  if (failure && !signal.aborted) {
    throw await session.explain(failure, {
      verb: 'watch',
      resource: session.workflowExecutions,
      namespace,
    });
  }
  return found;
}
