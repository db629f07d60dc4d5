import {
  advanceCondition,
  conditionRequeueMs,
  type ReconcileContext,
  type ReconcileResult,
} from '@roundhouse/controller';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { type ActionDirectory, hasActionOwner, ownByParentIfPresent } from './parent.js';
import { type ConditionAction, type TaskActionView, taskActionView } from './spec.js';
import type { TransitionWriter } from './transition.js';

export interface ConditionContext {
  readonly client: KubeClient;
  readonly actions: ActionDirectory;
  readonly transitions: TransitionWriter;
  readonly now: () => Date;
}

/**
 * A valid condition action launches nothing and holds no finalizer (deleting it leaves nothing
 * behind): Paused, then Signaled when a signal is written into its status (that write wakes
 * it), or TimedOut when it wakes at its deadline without one. A parent that does not exist yet
 * does not hold the condition back: its deadline runs regardless, and the parent's arrival
 * wakes it to take the owner reference.
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
    const { client, actions } = io;
    const owned = await ownByParentIfPresent(object, action, {
      client,
      actions,
      signal: ctx.signal,
    });
    if (!owned)
      ctx.logger.info({ parentActionName: action.spec.parentActionName }, 'no parent yet');
  }
  const written = await io.transitions.write(
    view,
    (s, at) => advanceCondition(s, deadline, at),
    ctx,
    undefined,
    { live: true },
  );
  if (!written) return undefined;
  const ms = conditionRequeueMs(taskActionView(written).status, deadline, io.now());
  return ms === undefined ? undefined : { requeueAfter: ms };
}
