import { objectKey, type ReconcileContext } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { markWaitingForSlot, mayFreeSlot, waitingForSlotMessage } from './attempt-slots.js';
import { SlotLines } from './slot-lines.js';
import type { TaskAction } from './spec.js';
import type { Expected, TransitionWriter } from './transition.js';

export interface AttemptSlotsOptions {
  /** `--max-attempts-per-namespace`; undefined for no cap. */
  readonly max: number | undefined;
  /** Queues an action's key for a reconcile: how a waiting action learns a slot freed. */
  readonly wake: (key: string) => void;
}

/**
 * The slots of each namespace, counted from the cached statuses (`SlotLines`, fed by `track`
 * and `forget` from the TaskAction informer's events), plus this process's claims: the actions
 * between the verdict that let them launch and the status that says they did, which the cache
 * cannot show yet. Only claims live in memory, and none outlives its reconcile; a restart
 * counts from the statuses alone.
 */
export class AttemptSlots {
  readonly #claims = new Set<string>();
  readonly #lines = new SlotLines();

  constructor(private readonly options: AttemptSlotsOptions) {}

  /** The informer added or changed `action`: the line now counts it as the cache holds it. */
  track(action: KubeObject): void {
    this.#lines.set(action);
  }

  /** The informer deleted `action`. */
  forget(action: KubeObject): void {
    this.#lines.remove(action);
  }

  /**
   * A slot for `action`'s attempt, held until `release`, or the verdict to wait. Decided and
   * claimed with no await between, so two reconciles never both take the last slot.
   */
  claim(action: KubeObject): 'claimed' | 'wait' {
    const { max } = this.options;
    const key = objectKey(action);
    if (max !== undefined && this.#lines.judge(action, this.#claims, max).verdict === 'wait') {
      return 'wait';
    }
    this.#claims.add(key);
    return 'claimed';
  }

  /** A slot for an attempt whose Job exists already: it is in flight, whatever the line says. */
  hold(action: KubeObject): void {
    this.#claims.add(objectKey(action));
  }

  /**
   * Gives up the claim once the launch is over: its status now holds the slot (Initializing, a
   * failure) or does not (it waits for the cache, or the launch threw), and the line is woken
   * in case it moved. Not the action itself: a launch that threw is retried with the
   * workqueue's backoff, which a wake would skip.
   */
  release(action: KubeObject): void {
    const own = objectKey(action);
    if (!this.#claims.delete(own)) return;
    for (const key of this.#line(action.metadata?.namespace ?? '')) {
      if (key !== own) this.options.wake(key);
    }
  }

  /** The waiting actions to wake after a change to `object`, when it may have freed a slot. */
  wakeAfter(object: KubeObject): string[] {
    if (this.options.max === undefined || !mayFreeSlot(object)) return [];
    return this.#line(object.metadata?.namespace ?? '');
  }

  /** The message of an action of `namespace` waiting for a slot. */
  waitingMessage(namespace: string): string {
    return waitingForSlotMessage(namespace, this.options.max ?? 0);
  }

  #line(namespace: string): string[] {
    const { max } = this.options;
    if (max === undefined) return [];
    return this.#lines.nextInLine(namespace, this.#claims, max);
  }
}

/**
 * Before an attempt launches: a slot of its namespace, or it stays Queued, saying it waits for
 * one, until a slot frees and wakes it (or its recheck comes, see `slotRecheckMs`). An attempt
 * whose Job exists already (a controller stopped between creating it and saying so) is in
 * flight: it takes its slot and goes on. 'run' when the attempt may launch, holding a slot the
 * caller releases.
 */
export async function passSlotGate(
  action: TaskAction,
  expected: Expected,
  ctx: ReconcileContext,
  gate: {
    readonly slots: AttemptSlots;
    readonly transitions: TransitionWriter;
    readonly launched: () => Promise<boolean>;
  },
): Promise<'run' | undefined> {
  const { slots, transitions } = gate;
  if (slots.claim(action) === 'claimed') return 'run';
  if (await gate.launched()) {
    slots.hold(action);
    return 'run';
  }
  const message = slots.waitingMessage(action.metadata.namespace);
  await transitions.write(action, (s, at) => markWaitingForSlot(s, message, at), ctx, expected);
  return undefined;
}
