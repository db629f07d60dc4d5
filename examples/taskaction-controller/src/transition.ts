import {
  type ActionPhase,
  type ActionStatus,
  attemptsOf,
  type CatalogCacheStatus,
  type ConditionActionStatus,
  type EventSink,
  phaseOf,
  type ReconcileContext,
  recordThenUpdateStatus,
  type TransitionAt,
  withCacheStatus,
} from '@roundhouse/controller';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { type ActionEvent, transitionEvent } from './events.js';
import { taskActions } from './resource.js';
import { type TaskActionView, taskActionView } from './spec.js';

/** Which live status a transition was decided for: it applies only if the status is still there. */
export interface Expected {
  readonly attempt: number;
  readonly phases: readonly ActionPhase[];
}

/** What an action's status change computes: the next status, or undefined to leave it. */
export type Compute = (status: ConditionActionStatus, at: TransitionAt) => ActionStatus | undefined;

/**
 * Every status change of a TaskAction, written one way: its event recorded in the sink first,
 * then the status (see `recordThenUpdateStatus`). A change decided from a lagging cache names
 * the status it was decided for (`expected`) and applies only while the live one is still it.
 */
export class TransitionWriter {
  constructor(
    private readonly client: KubeClient,
    private readonly sink: EventSink<ActionEvent>,
    private readonly now: () => Date,
  ) {}

  async write(
    target: Pick<TaskActionView, 'metadata'>,
    compute: Compute,
    ctx: Pick<ReconcileContext, 'signal'>,
    expected?: Expected,
    extra: { readonly outputUri?: string } = {},
  ): Promise<KubeObject | null> {
    const now = this.now();
    return recordThenUpdateStatus<KubeObject, ActionEvent>(
      this.client,
      taskActions,
      target.metadata.namespace,
      target.metadata.name,
      (current) => {
        const view = taskActionView(current);
        if (expected && !applies(view.status, expected)) return undefined;
        const next = compute(view.status, { now, generation: current.metadata?.generation });
        return next && { status: next, event: transitionEvent(view, next, now, extra) };
      },
      this.sink,
      { signal: ctx.signal },
    );
  }
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
