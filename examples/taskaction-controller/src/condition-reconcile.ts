import {
  advanceCondition,
  conditionRequeueMs,
  type ReconcileContext,
  type ReconcileResult,
} from '@roundhouse/controller';
import type { KubeClient, KubeObject, Reader } from '@roundhouse/kube';
import { hasActionOwner, ownByParent } from './parent.js';
import { type ConditionAction, type TaskActionView, taskActionView } from './spec.js';
import type { TransitionWriter } from './transition.js';

export interface ConditionContext {
  readonly client: KubeClient;
  readonly reader: Reader;
  readonly transitions: TransitionWriter;
  readonly now: () => Date;
}

/**
 * A valid condition action launches nothing and holds no finalizer (deleting it leaves nothing
 * behind): Paused, then Signaled when a signal is written into its status (that write wakes
 * it), or TimedOut when it wakes at its deadline without one.
 */
export async function advanceConditionAction(
  object: KubeObject,
  view: TaskActionView,
  resolved: { readonly action: ConditionAction; readonly deadline: Date | undefined },
  ctx: ReconcileContext,
  io: ConditionContext,
): Promise<ReconcileResult | undefined> {
  const { action, deadline } = resolved;
  if (action.spec.parentActionName && !hasActionOwner(object)) {
    await ownByParent(object, action, { client: io.client, reader: io.reader, signal: ctx.signal });
  }
  const written = await io.transitions.write(
    view,
    (s, at) => advanceCondition(s, deadline, at),
    ctx,
  );
  if (!written) return undefined;
  const ms = conditionRequeueMs(taskActionView(written).status, deadline, io.now());
  return ms === undefined ? undefined : { requeueAfter: ms };
}
