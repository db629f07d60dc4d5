import { judgeSignal, type SignalRejection } from '@roundhouse/controller';
import { formatKubeTime, RoundhouseError } from '@roundhouse/core';
import { isKubernetesError, type KubeClient, type KubeObject } from '@roundhouse/kube';
import { taskActions } from './resource.js';
import { isConditionAction, taskActionView } from './spec.js';

export type SignalRefusal = SignalRejection | 'NotFound' | 'NotACondition' | 'InvalidSignal';

/**
 * A signal the condition does not take (Flyte's NotFound, FailedPrecondition and
 * InvalidArgument of its Signal RPC); `reason` says which. Retrying it changes nothing.
 */
export class SignalRefusedError extends RoundhouseError {
  constructor(
    readonly reason: SignalRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface SignalInput {
  /** As text in the condition's `conditionSpec.type`: `true`, `42`, `0.5`, any string. */
  readonly value: string;
  /** Who signals, recorded in `status.signalledBy`. */
  readonly by: string;
}

/**
 * Signals a condition action (Flyte's Signal RPC): writes `signalValue`, `signalledBy` and
 * `signalledAt` into its status and nothing else, conditionally on the resourceVersion it read,
 * so it cannot undo a status the controller wrote meanwhile (a conflict reads again and judges
 * again). The controller sees the write and ends the action `Signaled`. The same value again is
 * `unchanged` and writes nothing; a different one, one after the condition ended, or one not of
 * the condition's type is refused with a SignalRefusedError. The CRD refuses the same to any
 * other writer (`kubectl patch --subresource=status`).
 */
export async function signalTaskAction(
  client: Pick<KubeClient, 'get' | 'patch'>,
  namespace: string,
  name: string,
  input: SignalInput,
  options: {
    readonly signal?: AbortSignal | undefined;
    readonly now?: (() => Date) | undefined;
  } = {},
): Promise<'signalled' | 'unchanged'> {
  const request = options.signal ? { signal: options.signal } : {};
  const now = options.now ?? (() => new Date());
  for (let attempt = 1; ; attempt += 1) {
    const object = await client.get<KubeObject>(taskActions, namespace, name, request);
    if (!object)
      throw new SignalRefusedError('NotFound', `TaskAction ${namespace}/${name} not found`);
    const view = taskActionView(object);
    if (!isConditionAction(view)) {
      throw new SignalRefusedError(
        'NotACondition',
        `TaskAction ${namespace}/${name} is not a condition action (spec.actionType: condition)`,
      );
    }
    const verdict = judgeSignal(view.status, input.value);
    if (verdict.verdict === 'unchanged') return 'unchanged';
    if (verdict.verdict === 'reject') {
      throw new SignalRefusedError(
        verdict.reason,
        `TaskAction ${namespace}/${name}: ${verdict.message}`,
      );
    }
    const patch = {
      metadata: { resourceVersion: object.metadata?.resourceVersion },
      status: {
        signalValue: input.value,
        signalledBy: input.by,
        signalledAt: formatKubeTime(now()),
      },
    };
    try {
      await client.patch(taskActions, namespace, name, patch, {
        ...request,
        strategy: 'merge',
        subresource: 'status',
      });
      return 'signalled';
    } catch (error) {
      if (isKubernetesError(error, 'Conflict') && attempt < 5) continue;
      if (isKubernetesError(error, 'Invalid')) {
        throw new SignalRefusedError(
          'InvalidSignal',
          `TaskAction ${namespace}/${name} refused the signal: ${(error as Error).message}`,
        );
      }
      throw error;
    }
  }
}
