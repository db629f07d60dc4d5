import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../execution-result.js';
import type { Executor } from '../executor.js';
import type { WorkflowExecution } from '../workflow-execution.js';
import {
  type ConformanceHarness,
  conformanceChecks,
  describeExecutorConformance,
} from './conformance.js';
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
    const phases: ExecutionResult['phase'][] = ['Running', 'Running', 'Pending', 'Completed'];
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

  it('a create that ignores an aborted signal', async () => {
    const executor = broken({});
    const create = executor.create.bind(executor);
    executor.create = (wfe, ns) => create(wfe, ns);
    await expect(conformanceChecks.abortedSignalIsHonoured(harness(executor))).rejects.toThrow();
  });
});
