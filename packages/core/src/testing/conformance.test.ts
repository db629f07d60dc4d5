import { describe, expect, it } from 'vitest';
import { EngineUnavailableError, ResourceLockedError } from '../errors.js';
import type { ExecutionResult } from '../execution-result.js';
import type { Executor } from '../executor.js';
import type { WorkflowExecution } from '../workflow-execution.js';
import {
  type ConformanceHarness,
  conformanceChecks,
  describeExecutorConformance,
} from './conformance.js';
import { withoutOlderName } from './conformance-steps.js';
import { MemoryExecutor } from './memory-executor.js';

let sequence = 0;

function harness(executor: Executor & Partial<MemoryExecutor>): ConformanceHarness {
  const namespace = 'executions';
  return {
    executor,
    namespace,
    settleTimeoutMs: 2_000,
    pollIntervalMs: 5,
    makeExecution(options = {}): WorkflowExecution {
      sequence += 1;
      const name = options.name ?? `wfe-${sequence}`;
      return {
        metadata: { name, namespace: 'team-a', uid: `uid-${name}` },
        spec: {
          workflowRef: { workflowId: 'w', version: '1', executionBundle: 'img' },
          targetResource: options.targetResource ?? `team-a/deployment/app-${sequence}`,
          executionEngine: executor.engine,
        },
      };
    },
    async driveToSuccess(_wfe, resourceName) {
      executor.succeed?.(namespace, resourceName);
    },
    async driveToFailure(_wfe, resourceName) {
      executor.fail?.(namespace, resourceName);
    },
    // The memory engine names a resource by its target and owns it by name, namespace and uid
    // alone: made for another target, the resource is under another name, as under an older
    // name prefix.
    async createUnderOlderName(wfe) {
      const older = {
        ...wfe,
        spec: { ...wfe.spec, targetResource: `${wfe.spec.targetResource}-older` },
      };
      return (await executor.create(older, namespace)).resourceName;
    },
  };
}

describeExecutorConformance('MemoryExecutor', () => harness(new MemoryExecutor()));

/** Wraps the reference executor and breaks one behaviour, to prove each check can fail. */
function broken(overrides: Partial<Executor>): MemoryExecutor {
  return Object.assign(new MemoryExecutor(), overrides);
}

describe('the conformance checks catch broken executors', () => {
  it('a create that is not idempotent', async () => {
    let calls = 0;
    const executor = broken({});
    const create = executor.create.bind(executor);
    executor.create = async (wfe, ns, options) => {
      calls += 1;
      const result = await create(wfe, ns, options);
      return calls > 1 ? { ...result, resourceName: `${result.resourceName}-2` } : result;
    };
    await expect(conformanceChecks.createIsIdempotent(harness(executor))).rejects.toThrow(
      /same resource/,
    );
  });

  it('a status that moves backwards', async () => {
    const executor = broken({});
    // Three reads before the harness finishes it, then the walk to the end.
    const phases: ExecutionResult['phase'][] = [
      ...(['Running', 'Running', 'Running', 'Running'] as const),
      'Pending',
      'Completed',
    ];
    executor.getStatus = async () => ({
      phase: phases.shift() ?? 'Completed',
      reason: 'Scripted',
      message: '',
      summary: { status: 'Unknown' },
    });
    await expect(conformanceChecks.statusWalksToCompleted(harness(executor))).rejects.toThrow(
      /backwards: Running -> Pending/,
    );
  });

  it('a getStatus that never returns null', async () => {
    const executor = broken({});
    const getStatus = executor.getStatus.bind(executor);
    executor.getStatus = async (wfe, ns, options) =>
      (await getStatus(wfe, ns, options)) ?? {
        phase: 'Running',
        reason: 'Running',
        message: '',
        summary: { status: 'Unknown' },
      };
    await expect(
      conformanceChecks.statusIsNullWhenNeverCreated(harness(executor)),
    ).rejects.toThrow();
  });

  it("a cleanup that deletes another owner's resource", async () => {
    const executor = new MemoryExecutor();
    const h = harness(executor);
    executor.cleanup = async (wfe, ns) => {
      // Ignores ownership: behaves as if every caller owned the lock.
      const name = wfe.metadata.name.replace(/-other$/, '');
      const owner = { ...wfe, metadata: { ...wfe.metadata, name, uid: `uid-${name}` } };
      await MemoryExecutor.prototype.cleanup.call(executor, owner, ns);
    };
    await expect(conformanceChecks.cleanupLeavesAnotherOwnersResource(h)).rejects.toThrow(
      /must not delete/,
    );
  });

  it('a create that takes a target another execution holds', async () => {
    const executor = broken({});
    const create = executor.create.bind(executor);
    // Hands each execution a resource of its own, as an engine that names it per execution would.
    executor.create = async (wfe, ns, options) => {
      const result = await create(
        {
          ...wfe,
          spec: { ...wfe.spec, targetResource: `${wfe.spec.targetResource}-${wfe.metadata.name}` },
        },
        ns,
        options,
      );
      return result;
    };
    await expect(
      conformanceChecks.createRefusesATargetAnotherHolds(harness(executor)),
    ).rejects.toThrow(/ResourceLocked/);
  });

  it('a cleanup that throws when the resource is already gone', async () => {
    const executor = broken({});
    const cleanup = executor.cleanup.bind(executor);
    let cleaned = 0;
    executor.cleanup = async (wfe, ns, options) => {
      cleaned += 1;
      if (cleaned > 1) throw new Error('NotFound');
      await cleanup(wfe, ns, options);
    };
    await expect(
      conformanceChecks.cleanupRemovesAndIsIdempotent(harness(executor)),
    ).rejects.toThrow('NotFound');
  });

  it('a status that reports Completed before the workload ended', async () => {
    const executor = broken({});
    const getStatus = executor.getStatus.bind(executor);
    let reads = 0;
    // Right on the first read, as an engine that takes "no pod active yet" for "done" would be
    // once its pod was scheduled.
    executor.getStatus = async (wfe, ns, options) => {
      const status = await getStatus(wfe, ns, options);
      reads += 1;
      return status && reads > 1 ? { ...status, phase: 'Completed' } : status;
    };
    await expect(conformanceChecks.statusWalksToCompleted(harness(executor))).rejects.toThrow(
      /has not finished is Pending or Running/,
    );
  });

  it('a status that reports Failed before the workload ended', async () => {
    const executor = broken({});
    const getStatus = executor.getStatus.bind(executor);
    let reads = 0;
    executor.getStatus = async (wfe, ns, options) => {
      const status = await getStatus(wfe, ns, options);
      reads += 1;
      return status && reads > 2
        ? { ...status, phase: 'Failed', summary: { status: 'False' } }
        : status;
    };
    await expect(conformanceChecks.statusWalksToFailed(harness(executor))).rejects.toThrow(
      /has not finished is Pending or Running/,
    );
  });

  it('a failure without a reason', async () => {
    const executor = broken({});
    const getStatus = executor.getStatus.bind(executor);
    executor.getStatus = async (wfe, ns, options) => {
      const status = await getStatus(wfe, ns, options);
      return status?.phase === 'Failed' ? { ...status, reason: '' } : status;
    };
    await expect(conformanceChecks.statusWalksToFailed(harness(executor))).rejects.toThrow(
      /malformed result/,
    );
  });

  it('an adopt that creates what it does not find', async () => {
    const executor = broken({});
    executor.adopt = async (wfe, ns, options) => {
      const created = await executor.create(wfe, ns, options);
      return { ...created, adoptedKind: 'MemoryExecution' };
    };
    await expect(
      conformanceChecks.adoptTakesItsOwnAndCreatesNothing(harness(executor)),
    ).rejects.toThrow(/returns undefined/);
  });

  it("an adopt that takes another owner's resource", async () => {
    const executor = broken({});
    // Ignores ownership: behaves as if every caller owned the lock.
    executor.adopt = async (wfe, ns) => {
      const name = wfe.metadata.name.replace(/-other$/, '');
      const owner = { ...wfe, metadata: { ...wfe.metadata, name, uid: `uid-${name}` } };
      return MemoryExecutor.prototype.adopt.call(executor, owner, ns);
    };
    await expect(
      conformanceChecks.adoptTakesItsOwnAndCreatesNothing(harness(executor)),
    ).rejects.toThrow(/must not take the owner's resource/);
  });

  it('an adopt that ignores the name it is given', async () => {
    const executor = broken({});
    const adopt = executor.adopt.bind(executor);
    executor.adopt = (wfe, ns, options) => adopt(wfe, ns, { ...options, resourceName: undefined });
    await expect(
      conformanceChecks.adoptFindsItsOwnUnderAnOlderName(harness(executor)),
    ).rejects.toThrow(/adopt by name returns the resource under that name/);
  });

  it("an adopt by name that takes another owner's resource", async () => {
    const executor = broken({});
    // Trusts the name: whatever is under it is taken as the caller's.
    executor.adopt = async (_wfe, _ns, options) =>
      options?.resourceName
        ? { resourceName: options.resourceName, warnings: [], adoptedKind: 'MemoryExecution' }
        : undefined;
    await expect(
      conformanceChecks.adoptFindsItsOwnUnderAnOlderName(harness(executor)),
    ).rejects.toThrow(/must not take the owner's resource/);
  });

  it("an adopt by name that creates under today's name", async () => {
    const executor = broken({});
    const adopt = executor.adopt.bind(executor);
    executor.adopt = async (wfe, ns, options) => {
      const adopted = await adopt(wfe, ns, options);
      if (adopted && options?.resourceName) await executor.create(wfe, ns);
      return adopted;
    };
    await expect(
      conformanceChecks.adoptFindsItsOwnUnderAnOlderName(harness(executor)),
    ).rejects.toThrow(/must create nothing under today's name/);
  });

  it('says why the adopt checks do not apply: no adopt, or no way to make an older name', () => {
    const noAdopt = { ...harness(new MemoryExecutor()), executor: broken({ adopt: undefined }) };
    expect(withoutOlderName(noAdopt)).toMatch(/implements no adopt/);
    const { createUnderOlderName: __, ...noHook } = harness(new MemoryExecutor());
    expect(withoutOlderName(noHook)).toMatch(/gives no createUnderOlderName/);
    expect(withoutOlderName(harness(new MemoryExecutor()))).toBeUndefined();
  });

  it('calls a cleanup answering a retryable error again, as a controller does', async () => {
    const executor = broken({});
    const cleanup = executor.cleanup.bind(executor);
    let calls = 0;
    executor.cleanup = async (wfe, ns, options) => {
      calls += 1;
      if (calls <= 2) throw new EngineUnavailableError('memory', 'the API server said Conflict');
      await cleanup(wfe, ns, options);
    };
    await conformanceChecks.cleanupRemovesAndIsIdempotent(harness(executor));
    expect(calls).toBe(4);
  });

  it('a cleanup that never gets past a retryable error', async () => {
    const executor = broken({});
    let calls = 0;
    executor.cleanup = async () => {
      calls += 1;
      throw new EngineUnavailableError('memory', 'the API server said Conflict');
    };
    await expect(
      conformanceChecks.cleanupRemovesAndIsIdempotent(harness(executor)),
    ).rejects.toThrow(/Conflict/);
    expect(calls).toBe(5);
  });

  it('a cleanup that leaves the resource', async () => {
    const executor = broken({ cleanup: async () => {} });
    await expect(
      conformanceChecks.cleanupRemovesAndIsIdempotent(harness(executor)),
    ).rejects.toThrow(/still not null after cleanup/);
  });

  it('a retried create that starts a finished execution again', async () => {
    const executor = broken({});
    const create = executor.create.bind(executor);
    const cleanup = executor.cleanup.bind(executor);
    // Replaces what it finds, as an engine that deletes and creates again on a conflict would.
    executor.create = async (wfe, ns, options) => {
      await cleanup(wfe, ns, options);
      return create(wfe, ns, options);
    };
    await expect(
      conformanceChecks.createRetriedAfterTheEndRestartsNothing(harness(executor)),
    ).rejects.toThrow(/must not start it again/);
  });

  it.each([
    ['the same name in another namespace', (wfe: WorkflowExecution) => wfe.metadata.name],
    [
      'the same name and namespace with another uid',
      (wfe: WorkflowExecution) => `${wfe.metadata.namespace}/${wfe.metadata.name}`,
    ],
  ])('a cleanup that deletes the resource of an owner of %s', async (what, key) => {
    const executor = broken({});
    const cleanup = executor.cleanup.bind(executor);
    const owners = new Map<string, WorkflowExecution>();
    const create = executor.create.bind(executor);
    executor.create = async (wfe, ns, options) => {
      owners.set(key(wfe), wfe);
      return create(wfe, ns, options);
    };
    // Takes the owner to be whoever its key (less than name, namespace and uid) names.
    executor.cleanup = async (wfe, ns, options) =>
      cleanup({ ...wfe, metadata: (owners.get(key(wfe)) ?? wfe).metadata }, ns, options);
    await expect(
      conformanceChecks.cleanupLeavesAnotherOwnersResource(harness(executor)),
    ).rejects.toThrow(`cleanup by an execution of ${what} must not delete`);
  });

  it("a getStatus that reports another owner's execution", async () => {
    const executor = broken({});
    const getStatus = executor.getStatus.bind(executor);
    const owners = new Map<string, WorkflowExecution>();
    const create = executor.create.bind(executor);
    executor.create = async (wfe, ns, options) => {
      owners.set(wfe.spec.targetResource, wfe);
      return create(wfe, ns, options);
    };
    // Reads whatever holds the target's lock, as a lookup by name alone does.
    executor.getStatus = async (wfe, ns, options) =>
      getStatus(owners.get(wfe.spec.targetResource) ?? wfe, ns, options);
    await expect(
      conformanceChecks.statusIsNullForAnotherOwnersResource(harness(executor)),
    ).rejects.toThrow(/must not report the owner's execution/);
  });

  it('a lock that is checked, then taken', async () => {
    const executor = new MemoryExecutor();
    const taken = new Set<string>();
    // Each create looks first and takes the target one round trip later, as a get-then-create
    // on a store without a uniqueness guarantee does.
    const racy = {
      ...harness(executor),
      executor: broken({
        create: async (wfe) => {
          const held = taken.has(wfe.spec.targetResource);
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (held) throw new ResourceLockedError('wfe-x', undefined);
          taken.add(wfe.spec.targetResource);
          return { resourceName: `wfe-${wfe.metadata.name}`, warnings: [] };
        },
      }),
    };
    await expect(conformanceChecks.concurrentCreatesTakeTheLockOnce(racy)).rejects.toThrow(
      /exactly one starts/,
    );
  });

  it('a finished holder that no longer holds its target', async () => {
    const executor = broken({});
    const create = executor.create.bind(executor);
    const cleanup = executor.cleanup.bind(executor);
    const holders = new Map<string, WorkflowExecution>();
    // Clears a finished holder out of the way, the stale-Job cleanup kubernaut's #374 asked for,
    // which also takes the holder's result before its controller read it.
    executor.create = async (wfe, ns, options) => {
      const holder = holders.get(wfe.spec.targetResource);
      if (holder && holder !== wfe) await cleanup(holder, ns, options);
      holders.set(wfe.spec.targetResource, wfe);
      return create(wfe, ns, options);
    };
    await expect(
      conformanceChecks.createRefusesATargetAFinishedExecutionStillHolds(harness(executor)),
    ).rejects.toThrow(/must fail with PreviousExecutionNotCleaned/);
  });

  it('a refusal without a reason', async () => {
    const executor = broken({});
    const create = executor.create.bind(executor);
    executor.create = (wfe, ns, options) =>
      create(wfe, ns, options).catch((error: unknown) => {
        throw new Error(`could not create: ${(error as Error).message}`);
      });
    await expect(
      conformanceChecks.createRefusesATargetAFinishedExecutionStillHolds(harness(executor)),
    ).rejects.toThrow(/must fail with PreviousExecutionNotCleaned/);
  });

  it.each(['getStatus', 'cleanup'] as const)(
    'a %s that ignores an aborted signal',
    async (method) => {
      const executor = broken({});
      const original = executor[method].bind(executor) as (
        wfe: WorkflowExecution,
        ns: string,
      ) => Promise<unknown>;
      Object.assign(executor, {
        [method]: (wfe: WorkflowExecution, ns: string) => original(wfe, ns),
      });
      await expect(conformanceChecks.abortedSignalIsHonoured(harness(executor))).rejects.toThrow(
        `${method} with an aborted signal must fail with AbortedError`,
      );
    },
  );

  it('a create that ignores an aborted signal', async () => {
    const executor = broken({});
    const create = executor.create.bind(executor);
    executor.create = (wfe, ns) => create(wfe, ns);
    await expect(conformanceChecks.abortedSignalIsHonoured(harness(executor))).rejects.toThrow();
  });
});
