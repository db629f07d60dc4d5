import {
  actionEndTime,
  type EventSink,
  hasFinalizer,
  hasTerminalLabels,
  isTerminalActionPhase,
  phaseOf,
  removeFinalizer,
  terminalLabels,
} from '@roundhouse/controller';
import type { Logger, Registry } from '@roundhouse/core';
import { isKubernetesError, type KubeClient, type KubeObject } from '@roundhouse/kube';
import { attemptExecution, maxAttemptsOf } from './attempt.js';
import { cachePolicyOf } from './cache.js';
import type { CacheStore } from './cache-store.js';
import { type ActionEvent, abortedEvent } from './events.js';
import { abortFinalizer, gcLabels, taskActions } from './resource.js';
import type { TaskTypeRouting } from './routing.js';
import { resolveTaskAction, type TaskActionView, taskActionView } from './spec.js';

export interface AbortContext {
  readonly client: KubeClient;
  readonly registry: Registry;
  readonly routing: TaskTypeRouting;
  readonly executionNamespace: string;
  readonly sink: EventSink<ActionEvent>;
  readonly cache: Pick<CacheStore, 'release'>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly signal: AbortSignal;
}

/**
 * Deletion as a protocol: abort the running attempt and clean up every attempt's execution
 * resource, release the action's cache reservation (a waiting action may then run), record an
 * Aborted event for an action that had not finished, and only then let the object go. A
 * failure at any step keeps the finalizer and the reconcile retries. A finished action keeps
 * its outcome: it is cleaned up, but reported as nothing new.
 */
export async function abortAction(object: KubeObject, ctx: AbortContext): Promise<void> {
  if (!hasFinalizer(object, abortFinalizer)) return;
  const view = taskActionView(object);
  // Not the image: an admitted action's executions are cleaned up whatever --allowed-images says now.
  const validation = resolveTaskAction(object, ctx.routing, ctx.registry);
  if (validation.valid) {
    const { action, engine } = validation.value;
    const executor = ctx.registry.get(engine);
    // Earlier attempts were aborted when they failed; doing it again covers a controller that
    // stopped in between, and costs a cache read each. Every attempt the spec allows, not the
    // count in the status: whoever may signal may write that (2^31 would hold the worker in
    // reads for ever, and 1 would leave a later attempt's Job running once the action is gone),
    // and no attempt past the spec's is ever launched.
    for (let attempt = maxAttemptsOf(action.spec); attempt >= 1; attempt -= 1) {
      await executor.cleanup(attemptExecution(action, attempt, engine), ctx.executionNamespace, {
        signal: ctx.signal,
      });
    }
    const policy = cachePolicyOf(action);
    if (policy) await ctx.cache.release(policy, { now: ctx.now(), signal: ctx.signal });
  } else {
    // Only a configuration change (an engine unregistered) leads here; its executions are
    // beyond this controller's reach, and holding the object would not bring them back.
    ctx.logger.warn(
      { reason: validation.reason, error: validation.message },
      'cannot abort the execution of a deleted TaskAction; releasing it',
    );
  }
  if (!isTerminalActionPhase(phaseOf(view.status))) {
    await ctx.sink.record(abortedEvent(view, ctx.now()), { signal: ctx.signal });
  }
  await removeFinalizer(ctx.client, taskActions, object, abortFinalizer, { signal: ctx.signal });
}

/**
 * Labels a finished action for the TTL garbage collector with when it finished (its terminal
 * condition's transition time). A merge patch of two labels: it cannot undo anything. Returns
 * the action as written; undefined when it needed no labels or is gone.
 */
export async function labelFinished(
  object: KubeObject,
  view: TaskActionView,
  ctx: { readonly client: KubeClient; readonly now: Date; readonly signal: AbortSignal },
): Promise<KubeObject | undefined> {
  if (isLabelledFinished(object, view)) return undefined;
  const labels = terminalLabels(gcLabels, actionEndTime(view.status.conditions) ?? ctx.now);
  try {
    return await ctx.client.patch(
      taskActions,
      view.metadata.namespace,
      view.metadata.name,
      { metadata: { labels } },
      { strategy: 'merge', signal: ctx.signal },
    );
  } catch (error) {
    if (!isKubernetesError(error, 'NotFound')) throw error;
    return undefined;
  }
}

/**
 * Whether the action carries the labels `labelFinished` writes: the terminal ones, its
 * completed-time the minute its status says it ended. Labels are the author's to write too: a
 * manifest exported from a finished action and applied again carries its old ones, which must
 * neither pass for this action's (it would be collected as soon as it ends, its reservation and
 * its attempt left behind) nor stop the controller writing the right time.
 */
export function isLabelledFinished(object: KubeObject, view: TaskActionView): boolean {
  const labels = object.metadata?.labels;
  if (!hasTerminalLabels(labels, gcLabels)) return false;
  const endedAt = actionEndTime(view.status.conditions);
  if (endedAt === undefined) return true;
  return (
    labels?.[gcLabels.completedTime] === terminalLabels(gcLabels, endedAt)[gcLabels.completedTime]
  );
}

/**
 * What the garbage collector may delete: an action whose status is in a terminal phase, labelled
 * with the time it ended. The labels alone are the author's to set; the status is the
 * controller's and a signaller's.
 */
export function isFinishedAction(object: KubeObject): boolean {
  const view = taskActionView(object);
  return isTerminalActionPhase(phaseOf(view.status)) && isLabelledFinished(object, view);
}
