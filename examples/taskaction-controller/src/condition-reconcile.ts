import {
  advanceCondition,
  type ConditionActionStatus,
  conditionRequeueMs,
  type ReconcileContext,
  type ReconcileResult,
  type TransitionAt,
} from '@roundhouse/controller';
import { printableText } from '@roundhouse/core';
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
    (s, at) => advanceQuoted(s, deadline, at),
    ctx,
    undefined,
    { live: true },
  );
  if (!written) return undefined;
  const ms = conditionRequeueMs(taskActionView(written).status, deadline, io.now());
  return ms === undefined ? undefined : { requeueAfter: ms };
}

/**
 * `advanceCondition` with the signaller's name as printable text in the message it writes
 * (`condition signalled by "..."`): `signalledBy` is the signaller's free text, bounded by the
 * CRD in length only, and the conditions and phase history are read in `kubectl describe`, where
 * its control and format characters would act on the terminal. The status keeps `signalledBy`
 * as the signaller wrote it (the CRD holds it immutable once signalled).
 */
export function advanceQuoted(
  status: ConditionActionStatus,
  deadline: Date | undefined,
  at: TransitionAt,
) {
  const { signalledBy } = status;
  if (signalledBy === undefined) return advanceCondition(status, deadline, at);
  const quoted = { ...status, signalledBy: printableText(signalledBy) };
  const next = advanceCondition(quoted, deadline, at);
  return next && { ...next, signalledBy };
}
