import { isDeepStrictEqual } from 'node:util';
import {
  type ActionPhase,
  type ActionStatus,
  attemptsOf,
  type CatalogCacheStatus,
  type ConditionActionStatus,
  type EventRecorder,
  type EventSink,
  phaseOf,
  type ReconcileContext,
  recordThenUpdateStatus,
  type TransitionAt,
  withCacheStatus,
} from '@roundhouse/controller';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import type { ActionCopies } from './action-copies.js';
import { statusWithin } from './action-size.js';
import { type ActionEvent, numberTransition, transitionEvent } from './events.js';
import { taskActions } from './resource.js';
import { type TaskActionView, taskActionView } from './spec.js';

/** Which live status a transition was decided for: it applies only if the status is still there. */
export interface Expected {
  readonly attempt: number;
  readonly phases: readonly ActionPhase[];
}

/** What an action's status change computes: the next status, or undefined to leave it. */
export type Compute = (status: ConditionActionStatus, at: TransitionAt) => ActionStatus | undefined;

export interface WriteOptions {
  /** Where the completed attempt wrote its outputs, for the event. */
  readonly outputUri?: string | undefined;
  /**
   * Read the action from the API server, not the cache: a condition's status has a second
   * writer (the signal), whose write the cache may not hold yet, and a transition computed
   * without it (TimedOut instead of Signaled) would record an event that never becomes the
   * status.
   */
  readonly live?: boolean | undefined;
}

/**
 * Every status change of a TaskAction, written one way: its event recorded in the sink first,
 * then the status (see `recordThenUpdateStatus`). A change decided from a lagging cache names
 * the status it was decided for (`expected`) and applies only while the live one is still it.
 *
 * A task's status has one writer, this controller, and every object it writes is observed into
 * the cache (`ActionCopies`), so the cache holds the newest status unless a write of this key
 * failed without an answer (`ctx.attempt` > 0 then): the write computes from the cached copy and
 * is conditional on its resourceVersion, instead of reading the action first. A copy that moved
 * on (someone edited a label) costs a conflict, after which the action is read fresh. A status
 * the action cannot hold becomes its `StatusTooLarge` failure (`statusWithin`).
 */
export class TransitionWriter {
  constructor(
    private readonly client: KubeClient,
    private readonly sink: EventSink<ActionEvent>,
    private readonly now: () => Date,
    private readonly copies: ActionCopies,
    private readonly events?: Pick<EventRecorder, 'record'>,
  ) {}

  async write(
    target: Pick<TaskActionView, 'metadata'>,
    compute: Compute,
    ctx: Pick<ReconcileContext, 'signal' | 'attempt'>,
    expected?: Expected,
    options: WriteOptions = {},
  ): Promise<KubeObject | null> {
    const now = this.now();
    const { namespace, name } = target.metadata;
    const known = trustsCache(ctx) && !options.live ? this.copies.get(namespace, name) : undefined;
    let reporting: KubeObject | undefined;
    const sink: EventSink<ActionEvent> = {
      record: async (event, request) => {
        try {
          await this.sink.record(event, request);
        } catch (error) {
          if (reporting) this.#reportUnrecorded(reporting, event);
          throw error;
        }
      },
    };
    const written = await recordThenUpdateStatus<KubeObject, ActionEvent>(
      this.client,
      taskActions,
      namespace,
      name,
      (current) => {
        reporting = current;
        const view = taskActionView(current);
        if (expected && !applies(view.status, expected)) return undefined;
        const at = { now, generation: current.metadata?.generation };
        const computed = compute(view.status, at);
        // A status the action cannot hold is written (and recorded) as its failure instead.
        const within = computed && statusWithin(current, computed, at);
        // Unchanged as it would go over the wire (undefined fields are not sent): nothing to count.
        if (!within || isDeepStrictEqual(JSON.parse(JSON.stringify(within)), current.status))
          return undefined;
        const next = numberTransition(view.status, within);
        return { status: next, event: transitionEvent(view, next, now, options) };
      },
      sink,
      // Held to the action the transition was decided for: read live (or after a conflict) by
      // name, an action re-created under its name reads as gone (null), never gets this status.
      { signal: ctx.signal, uid: target.metadata.uid, ...(known ? { current: known } : {}) },
    );
    if (written && written !== known) this.copies.observe(written);
    return written;
  }

  /**
   * An event the sink did not take holds the status back: shown on the action as Flyte's
   * executor shows it (`ActionEventPublishFailed`), keyed so that a sink down for long makes one
   * Event per action, not one per retry. The message names only what the controller wrote; the
   * sink's error, which may name its endpoint, fails the reconcile as before.
   */
  #reportUnrecorded(object: KubeObject, event: ActionEvent): void {
    const message = `the ${event.phase} event of attempt ${event.attempt} was not recorded; the status waits for it`;
    void this.events?.record(object, 'Warning', 'ActionEventPublishFailed', message, {
      key: 'ActionEventPublishFailed',
    });
  }
}

/**
 * Whether the cache may stand for the live action in this reconcile: it holds every write of
 * this controller that was answered, and a key whose last reconcile failed may have sent one
 * that was not (a timeout), so that key is read from the API server until a reconcile succeeds.
 */
export function trustsCache(ctx: Pick<ReconcileContext, 'attempt'>): boolean {
  return ctx.attempt === 0;
}

/** Whether `status` is still at the attempt and in one of the phases a step was decided for. */
export function applies(status: ActionStatus, expected: Expected): boolean {
  const phase = phaseOf(status);
  return (
    attemptsOf(status) === expected.attempt &&
    phase !== undefined &&
    expected.phases.includes(phase)
  );
}

/** A cached action's transition carries what the cache did; any other's is left as it is. */
export function cached(
  status: ActionStatus | undefined,
  cacheStatus: CatalogCacheStatus | undefined,
): ActionStatus | undefined {
  return cacheStatus ? withCacheStatus(status, cacheStatus) : status;
}
