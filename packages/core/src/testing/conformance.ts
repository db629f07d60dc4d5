import { describe, expect, it } from 'vitest';
import { AbortedError } from '../errors.js';
import type { ConformanceHarness } from './conformance-harness.js';
import {
  cleanUp,
  contender,
  expectRemoved,
  expectUnfinished,
  intruders,
  readStatus,
  reasonOf,
  rejection,
  settle,
  withoutAdopt,
  withoutOlderName,
  withResourceName,
} from './conformance-steps.js';

export type { ConformanceHarness } from './conformance-harness.js';

/**
 * The checks every Executor must pass, as plain async functions so a backend author can also
 * call one directly. Each throws on a violation.
 */
export const conformanceChecks = {
  async createIsIdempotent(h: ConformanceHarness): Promise<void> {
    const wfe = h.makeExecution();
    const first = await h.executor.create(wfe, h.namespace);
    const second = await h.executor.create(wfe, h.namespace);
    expect(second.resourceName, 'a retried create returns the same resource').toBe(
      first.resourceName,
    );
    await cleanUp(h, withResourceName(wfe, first.resourceName));
  },

  async createRetriedAfterTheEndRestartsNothing(h: ConformanceHarness): Promise<void> {
    const created = h.makeExecution();
    const { resourceName } = await h.executor.create(created, h.namespace);
    const wfe = withResourceName(created, resourceName);
    await h.driveToSuccess(wfe, resourceName);
    expect((await settle(h, wfe)).phase).toBe('Completed');
    // A controller that crashed before it recorded the start creates again; a workflow that ran
    // must not run a second time on its target.
    const retried = await h.executor.create(created, h.namespace);
    expect(retried.resourceName, 'a retried create returns the same resource').toBe(resourceName);
    expect(
      (await readStatus(h, wfe))?.phase,
      'a create retried after the execution ended must not start it again',
    ).toBe('Completed');
    await cleanUp(h, wfe);
  },

  async statusWalksToCompleted(h: ConformanceHarness): Promise<void> {
    const created = h.makeExecution();
    const { resourceName } = await h.executor.create(created, h.namespace);
    const wfe = withResourceName(created, resourceName);
    await expectUnfinished(h, wfe);
    await h.driveToSuccess(wfe, resourceName);
    const final = await settle(h, wfe);
    expect(final.phase).toBe('Completed');
    expect(final.summary.status).toBe('True');
    await cleanUp(h, wfe);
  },

  async statusWalksToFailed(h: ConformanceHarness): Promise<void> {
    const created = h.makeExecution();
    const { resourceName } = await h.executor.create(created, h.namespace);
    const wfe = withResourceName(created, resourceName);
    await expectUnfinished(h, wfe);
    await h.driveToFailure(wfe, resourceName);
    const final = await settle(h, wfe);
    expect(final.phase).toBe('Failed');
    expect(final.summary.status).toBe('False');
    await cleanUp(h, wfe);
  },

  async statusIsNullWhenNeverCreated(h: ConformanceHarness): Promise<void> {
    expect(await readStatus(h, h.makeExecution())).toBeNull();
  },

  async cleanupRemovesAndIsIdempotent(h: ConformanceHarness): Promise<void> {
    const created = h.makeExecution();
    const { resourceName } = await h.executor.create(created, h.namespace);
    const wfe = withResourceName(created, resourceName);
    await cleanUp(h, wfe);
    await cleanUp(h, wfe);
    await expectRemoved(h, wfe);
  },

  async cleanupLeavesAnotherOwnersResource(h: ConformanceHarness): Promise<void> {
    const owner = h.makeExecution();
    const { resourceName } = await h.executor.create(owner, h.namespace);
    const ownerWithRef = withResourceName(owner, resourceName);
    for (const [what, intruder] of intruders(h, owner)) {
      await cleanUp(h, withResourceName(intruder, resourceName));
      expect(
        await readStatus(h, ownerWithRef),
        `cleanup by an execution of ${what} must not delete the owner's resource`,
      ).not.toBeNull();
    }
    await cleanUp(h, ownerWithRef);
  },

  async statusIsNullForAnotherOwnersResource(h: ConformanceHarness): Promise<void> {
    const owner = h.makeExecution();
    const { resourceName } = await h.executor.create(owner, h.namespace);
    // An execution created again under its predecessor's name would otherwise take the
    // predecessor's result, a success included, for its own without ever running.
    for (const [what, intruder] of intruders(h, owner)) {
      for (const [how, asked] of [
        ['by the lock', intruder],
        ['by name', withResourceName(intruder, resourceName)],
      ] as const) {
        expect(
          await readStatus(h, asked),
          `getStatus ${how} for an execution of ${what} must not report the owner's execution`,
        ).toBeNull();
      }
    }
    await cleanUp(h, withResourceName(owner, resourceName));
  },

  async createRefusesATargetAnotherHolds(h: ConformanceHarness): Promise<void> {
    const owner = h.makeExecution();
    const { resourceName } = await h.executor.create(owner, h.namespace);
    // The lock is the promise that a target is never worked on twice at once.
    const refused = await rejection(() =>
      h.executor.create(contender(h, owner, 'second'), h.namespace),
    );
    expect(
      reasonOf(refused),
      'a create for a target another running execution holds must fail with ResourceLocked',
    ).toBe('ResourceLocked');
    expect(
      await readStatus(h, withResourceName(owner, resourceName)),
      "a refused create must leave the holder's execution in place",
    ).not.toBeNull();
    await cleanUp(h, withResourceName(owner, resourceName));
  },

  async concurrentCreatesTakeTheLockOnce(h: ConformanceHarness): Promise<void> {
    const first = h.makeExecution();
    const second = contender(h, first, 'racing');
    // Two controllers (or two workers of one) may start executions on one target at once:
    // a lock that is checked, then taken, lets both through.
    const outcomes = await Promise.allSettled([
      h.executor.create(first, h.namespace),
      h.executor.create(second, h.namespace),
    ]);
    const won = outcomes.flatMap((outcome, index) =>
      outcome.status === 'fulfilled'
        ? [{ wfe: index === 0 ? first : second, ...outcome.value }]
        : [],
    );
    const lost = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [reasonOf(outcome.reason)] : [],
    );
    expect(won, 'of two executions racing for one target exactly one starts').toHaveLength(1);
    expect(lost, 'the other fails with ResourceLocked').toEqual(['ResourceLocked']);
    const [winner] = won;
    if (winner) {
      const wfe = withResourceName(winner.wfe, winner.resourceName);
      expect(await readStatus(h, wfe), "the winner's execution stays").not.toBeNull();
      await cleanUp(h, wfe);
    }
  },

  async createRefusesATargetAFinishedExecutionStillHolds(h: ConformanceHarness): Promise<void> {
    const owner = h.makeExecution();
    const { resourceName } = await h.executor.create(owner, h.namespace);
    const ownerWithRef = withResourceName(owner, resourceName);
    await h.driveToSuccess(ownerWithRef, resourceName);
    expect((await settle(h, ownerWithRef)).phase).toBe('Completed');
    // Until the holder's cleanup (after its cooldown) the target stays held, and the refusal
    // says why, so the controller waits instead of failing the newcomer as locked.
    const refused = await rejection(() =>
      h.executor.create(contender(h, owner, 'next'), h.namespace),
    );
    expect(
      reasonOf(refused),
      'a create for a target whose finished execution was not cleaned up must fail with PreviousExecutionNotCleaned',
    ).toBe('PreviousExecutionNotCleaned');
    expect(
      (await readStatus(h, ownerWithRef))?.phase,
      "a refused create must leave the finished execution's result in place",
    ).toBe('Completed');
    await cleanUp(h, ownerWithRef);
  },

  async adoptTakesItsOwnAndCreatesNothing(h: ConformanceHarness): Promise<void> {
    const adopt = h.executor.adopt?.bind(h.executor);
    if (!adopt || withoutAdopt(h)) return;
    const absent = h.makeExecution();
    expect(
      await adopt(absent, h.namespace),
      'adopt of an execution that has no resource returns undefined',
    ).toBeUndefined();
    // A controller that adopts after a restart skips the checks before a create: an adopt that
    // created would start an execution none of them passed.
    expect(await readStatus(h, absent), 'adopt must create nothing').toBeNull();
    const owner = h.makeExecution();
    const { resourceName } = await h.executor.create(owner, h.namespace);
    const adopted = await adopt(owner, h.namespace);
    expect(adopted?.resourceName, "adopt returns the execution's own resource").toBe(resourceName);
    expect(adopted?.adoptedKind, 'adopt says the resource was there already').toBeTruthy();
    for (const [what, intruder] of intruders(h, owner)) {
      expect(
        await adopt(intruder, h.namespace),
        `adopt by an execution of ${what} must not take the owner's resource`,
      ).toBeUndefined();
    }
    await cleanUp(h, withResourceName(owner, resourceName));
  },

  async adoptFindsItsOwnUnderAnOlderName(h: ConformanceHarness): Promise<void> {
    const adopt = h.executor.adopt?.bind(h.executor);
    if (!adopt || !h.createUnderOlderName || withoutOlderName(h)) return;
    const owner = h.makeExecution();
    // Made before the engine's name prefix was changed: a restarted controller finds it by its
    // owner annotations, and asks for it by that name, which the engine no longer builds.
    const resourceName = await h.createUnderOlderName(owner);
    expect(
      await readStatus(h, owner),
      "createUnderOlderName must make the resource under a name other than today's lock",
    ).toBeNull();
    expect(
      await adopt(owner, h.namespace),
      "adopt without the name finds nothing under today's name",
    ).toBeUndefined();
    const adopted = await adopt(owner, h.namespace, { resourceName });
    expect(adopted?.resourceName, 'adopt by name returns the resource under that name').toBe(
      resourceName,
    );
    expect(adopted?.adoptedKind, 'adopt says the resource was there already').toBeTruthy();
    // A second resource under today's name would run the workflow twice, unchecked.
    expect(
      await readStatus(h, owner),
      "adopt by name must create nothing under today's name",
    ).toBeNull();
    for (const [what, intruder] of intruders(h, owner)) {
      expect(
        await adopt(intruder, h.namespace, { resourceName }),
        `adopt by name for an execution of ${what} must not take the owner's resource`,
      ).toBeUndefined();
    }
    // The controller records the name in status.executionRef; every later read and the
    // cleanup find the resource by it.
    const recorded = withResourceName(owner, resourceName);
    expect(
      await readStatus(h, recorded),
      'getStatus finds the adopted resource by status.executionRef',
    ).not.toBeNull();
    await cleanUp(h, recorded);
    await expectRemoved(h, recorded);
  },

  async abortedSignalIsHonoured(h: ConformanceHarness): Promise<void> {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    const { signal } = controller;
    const never = h.makeExecution();
    expect(
      await rejection(() => h.executor.create(never, h.namespace, { signal })),
      'create with an aborted signal must fail with AbortedError',
    ).toBeInstanceOf(AbortedError);
    expect(await readStatus(h, never), 'an aborted create creates nothing').toBeNull();
    const created = h.makeExecution();
    const { resourceName } = await h.executor.create(created, h.namespace);
    const wfe = withResourceName(created, resourceName);
    // A controller shutting down aborts what is in flight; an executor checks the signal
    // before every side effect, reads included.
    expect(
      await rejection(() => h.executor.getStatus(wfe, h.namespace, { signal })),
      'getStatus with an aborted signal must fail with AbortedError',
    ).toBeInstanceOf(AbortedError);
    expect(
      await rejection(() => h.executor.cleanup(wfe, h.namespace, { signal })),
      'cleanup with an aborted signal must fail with AbortedError',
    ).toBeInstanceOf(AbortedError);
    expect(await readStatus(h, wfe), 'an aborted cleanup removes nothing').not.toBeNull();
    await cleanUp(h, wfe);
  },
} satisfies Record<string, (h: ConformanceHarness) => Promise<void>>;

/**
 * Why a check of an optional part of the contract does not apply to a harness, if it does not:
 * the suite reports it skipped with that reason (a direct call of the check passes).
 */
const notApplicable: Readonly<
  Record<string, ((h: ConformanceHarness) => string | undefined) | undefined>
> = {
  adoptTakesItsOwnAndCreatesNothing: withoutAdopt,
  adoptFindsItsOwnUnderAnOlderName: withoutOlderName,
};

/**
 * Registers the conformance suite in the current vitest file. `harness` is called inside each
 * test (after your beforeAll hooks), so it may read state those hooks prepared.
 */
export function describeExecutorConformance(
  name: string,
  harness: () => ConformanceHarness | Promise<ConformanceHarness>,
  options: { timeoutMs?: number | undefined } = {},
): void {
  describe(`${name} conforms to the Executor contract`, () => {
    for (const [check, run] of Object.entries(conformanceChecks)) {
      it(
        check,
        async (context) => {
          const h = await harness();
          const skipped = notApplicable[check]?.(h);
          if (skipped) context.skip(skipped);
          await run(h);
        },
        options.timeoutMs ?? 120_000,
      );
    }
  });
}
