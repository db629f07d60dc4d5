import { ControllerMetrics } from '@roundhouse/controller';
import { Registry } from '@roundhouse/core';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithTekton, podControls } from '@roundhouse/testenv/vitest';
import { cleanupFinalizer, workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import {
  type Bundles,
  prepareNamespace,
  pushWorkflows,
  runningTaskPod,
} from '../../packages/tekton/test/tekton.js';
import { type ControllerSettings, useController } from './controller-fixture.js';
import { condition, eventsAbout, manifest, patience, read, waitForPhase } from './harness.js';

/**
 * The whole path of a cleanup that waits: a PipelineRun cancelled gracefully runs its `finally`,
 * Tekton's cleanup says not yet (FinallyRunningError, a CleanupPendingError), and the controller
 * holds the execution's deletion, or the target's lock after the cooldown, with one Normal
 * CleanupPending Event and no CleanupFailed Warning, until the run ends. A run whose execution
 * is gone without its finalizer (the orphan collection) is held by the same rule.
 */

type PipelineRunObject = KubeObject & {
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
};

describeWithTekton('WorkflowExecution controller while a graceful cancel runs finally', () => {
  const cluster = useController('wfe-tekton-finally');
  const { env, client } = cluster;
  let bundles: Bundles;

  beforeAll(async () => {
    bundles = await pushWorkflows(env);
  });

  /** Fresh namespaces for one test, so no other execution's passes show in its metrics. */
  async function namespaces(prefix: string) {
    const watchNamespace = await env.controlPlane.createNamespace(prefix);
    const executionNamespace = await env.controlPlane.createNamespace(`${prefix}-exec`);
    await prepareNamespace(client(), executionNamespace);
    return { watchNamespace, executionNamespace };
  }

  /** A controller on the tekton engine over `where`, whose passes its metrics count. */
  async function startOnTekton(
    where: { watchNamespace: string; executionNamespace: string },
    settings: Partial<ControllerSettings> = {},
  ) {
    const metrics = new ControllerMetrics({ processMetrics: false });
    const controller = await cluster.start({
      registry: (reader) => new Registry().register(new TektonExecutor(client(), { reader })),
      policy: { bundles: [`${env.tekton.registry}/*`] },
      ...where,
      metrics,
      ...settings,
    });
    return { metrics, controller };
  }

  /**
   * Starts an execution whose task and finally task hold their pods, cancels its PipelineRun as
   * `tkn pipelinerun cancel --graceful` would (CancelledRunFinally), and returns once Tekton
   * runs finally. The report pod is the finally task's; the test ends it.
   */
  async function inFinally(watchNamespace: string, executionNamespace: string) {
    const { object: created } = await client().create(
      workflowExecutions,
      watchNamespace,
      manifest({
        engine: 'tekton',
        bundle: bundles.holdsThenHeldFinally,
        parameters: { REPLICAS: '1' },
      }),
    );
    const name = created.metadata?.name as string;
    const running = await waitForPhase(client(), watchNamespace, name, 'Running');
    const run = running.status?.executionRef?.name as string;
    await runningTaskPod(client(), executionNamespace, run, 'work');
    const cancelled = await new TektonExecutor(client()).cancel(running, executionNamespace, {
      graceful: 'cancel',
    });
    expect(cancelled).toBe(true);
    const report = await runningTaskPod(client(), executionNamespace, run, 'report');
    await vi.waitFor(async () => {
      expect(succeeded(await pipelineRun(client(), executionNamespace, run))).toMatchObject({
        status: 'Unknown',
        reason: 'CancelledRunningFinally',
      });
    }, patience);
    return { name, run, report: report.metadata?.name as string };
  }

  it('holds a deleted execution, and its PipelineRun, until finally ends, then lets both go', async () => {
    const where = await namespaces('wfe-fin-del');
    const { watchNamespace, executionNamespace } = where;
    const { metrics } = await startOnTekton(where);
    const { name, run, report } = await inFinally(watchNamespace, executionNamespace);

    await client().delete(workflowExecutions, watchNamespace, name);
    await vi.waitFor(async () => {
      expect(await reasons(client(), watchNamespace, name)).toContain('Normal CleanupPending');
    }, patience);
    await expectHeld();
    // Later passes (each wait is looked at again) neither delete the run nor count as failures.
    await laterPasses(metrics, client(), watchNamespace, name);
    await expectHeld();

    await endPod(client(), executionNamespace, report);
    await vi.waitFor(async () => {
      expect(await read(client(), watchNamespace, name)).toBeNull();
      expect(await pipelineRun(client(), executionNamespace, run)).toBeNull();
    }, patience);
    const events = await reasons(client(), watchNamespace, name);
    expect(events.filter((e) => e === 'Normal CleanupPending')).toHaveLength(1);
    expect(events).not.toContain('Warning CleanupFailed');

    async function expectHeld() {
      const held = await read(client(), watchNamespace, name);
      expect(held?.metadata.deletionTimestamp, 'the execution is being deleted').toBeDefined();
      expect(held?.metadata.finalizers).toContain(cleanupFinalizer);
      const kept = await pipelineRun(client(), executionNamespace, run);
      expect(kept, 'the PipelineRun exists').not.toBeNull();
      expect(kept?.metadata?.deletionTimestamp, 'the run is not being deleted').toBeUndefined();
      const events = await reasons(client(), watchNamespace, name);
      expect(events.filter((e) => e === 'Normal CleanupPending')).toHaveLength(1);
      expect(events).not.toContain('Warning CleanupFailed');
    }
  });

  it('keeps the PipelineRun of an execution gone without its finalizer until finally ends', async () => {
    const where = await namespaces('wfe-fin-orph');
    const { watchNamespace, executionNamespace } = where;
    const first = await startOnTekton(where);
    const { name, run, report } = await inFinally(watchNamespace, executionNamespace);
    // As if the controller had stopped before writing the finalizer and the execution was
    // deleted meanwhile: the restarted controller knows nothing of it but the run naming it.
    await first.controller.stop();
    await client().patch(
      workflowExecutions,
      watchNamespace,
      name,
      [{ op: 'remove', path: '/metadata/finalizers' }],
      { strategy: 'json' },
    );
    await client().delete(workflowExecutions, watchNamespace, name);
    await vi.waitFor(async () => {
      expect(await read(client(), watchNamespace, name)).toBeNull();
    }, patience);
    const { metrics } = await startOnTekton(where);

    // The restarted controller's first pass over the gone execution (its run's listing wakes
    // it) finds finally running, and so does each pass a change to the run wakes after it.
    await vi.waitFor(async () => {
      expect(await passes(metrics)).toBeGreaterThanOrEqual(1);
    }, patience);
    await expectKept();
    const from = await requeued(metrics);
    let touch = 0;
    await vi.waitFor(
      async () => {
        touch += 1;
        await client().patch(resources.pipelineRuns, executionNamespace, run, {
          metadata: { annotations: { 'roundhouse.test/touch': String(touch) } },
        });
        expect(await requeued(metrics)).toBeGreaterThanOrEqual(from + 2);
      },
      { ...patience, interval: 1_000 },
    );
    await expectKept();

    await endPod(client(), executionNamespace, report);
    await vi.waitFor(async () => {
      expect(await pipelineRun(client(), executionNamespace, run)).toBeNull();
    }, patience);

    async function expectKept() {
      const kept = await pipelineRun(client(), executionNamespace, run);
      expect(kept, 'the PipelineRun exists').not.toBeNull();
      expect(kept?.metadata?.deletionTimestamp, 'the run is not being deleted').toBeUndefined();
      expect(succeeded(kept)?.reason).toBe('CancelledRunningFinally');
    }
  });

  it('fails an overdue execution at once but keeps its lock past the cooldown until finally ends', async () => {
    const where = await namespaces('wfe-fin-cool');
    const { watchNamespace, executionNamespace } = where;
    const first = await startOnTekton(where);
    const { name, run, report } = await inFinally(watchNamespace, executionNamespace);
    // A controller restarted with a default timeout the execution is already past: the run's
    // own timeout (Tekton's default, as the execution sets none) is far off, so finally may run.
    await first.controller.stop();
    const { metrics } = await startOnTekton(where, {
      defaultTimeoutMs: 1_000,
      deadlineGraceMs: 1_000,
      cooldownMs: 2_000,
    });

    const failed = await waitForPhase(client(), watchNamespace, name, 'Failed');
    expect(failed.status?.failureDetails?.reason).toBe('DeadlineExceeded');
    await vi.waitFor(async () => {
      expect(await reasons(client(), watchNamespace, name)).toContain('Normal CleanupPending');
    }, patience);
    await expectLocked();
    await laterPasses(metrics, client(), watchNamespace, name);
    await expectLocked();

    await endPod(client(), executionNamespace, report);
    await vi.waitFor(async () => {
      const released = await read(client(), watchNamespace, name);
      expect(condition(released, 'LockReleased')?.status).toBe('True');
      expect(await pipelineRun(client(), executionNamespace, run)).toBeNull();
    }, patience);
    const events = await reasons(client(), watchNamespace, name);
    expect(events.filter((e) => e === 'Normal CleanupPending')).toHaveLength(1);
    expect(events).not.toContain('Warning CleanupFailed');

    async function expectLocked() {
      const waiting = await read(client(), watchNamespace, name);
      expect(condition(waiting, 'LockReleased')).toBeUndefined();
      const kept = await pipelineRun(client(), executionNamespace, run);
      expect(kept, 'the PipelineRun, the lock, exists').not.toBeNull();
      expect(kept?.metadata?.deletionTimestamp, 'the run is not being deleted').toBeUndefined();
      const events = await reasons(client(), watchNamespace, name);
      expect(events.filter((e) => e === 'Normal CleanupPending')).toHaveLength(1);
      expect(events).not.toContain('Warning CleanupFailed');
      expect(events).not.toContain('Normal LockReleased');
    }
  });
});

function pipelineRun(client: KubeClient, namespace: string, name: string) {
  return client.get<PipelineRunObject>(resources.pipelineRuns, namespace, name);
}

function succeeded(run: PipelineRunObject | null) {
  return run?.status?.conditions?.find((c) => c.type === 'Succeeded');
}

/** `<type> <reason>` of each Event about the execution. */
async function reasons(client: KubeClient, namespace: string, name: string) {
  return (await eventsAbout(client, namespace, name)).map((e) => `${e.type} ${e.reason}`);
}

/** Ends a held pod as its step exiting 0. */
async function endPod(client: KubeClient, namespace: string, pod: string) {
  await client.patch(resources.pods, namespace, pod, {
    metadata: { annotations: { [podControls.exitCode]: '0' } },
  });
}

/** The controller's passes that ended asking to be called again. */
async function requeued(metrics: ControllerMetrics): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text.match(
    /^controller_runtime_reconcile_total\{[^}]*result="requeue_after"[^}]*\} (\d+)$/m,
  );
  return Number(line?.[1] ?? 0);
}

/** The controller's passes that have ended, whatever their result. */
async function passes(metrics: ControllerMetrics): Promise<number> {
  const text = await metrics.registry.metrics();
  const lines = text.matchAll(/^controller_runtime_reconcile_total\{[^}]*\} (\d+)$/gm);
  return [...lines].reduce((sum, line) => sum + Number(line[1]), 0);
}

/**
 * Waits for two more passes over the execution, each woken by a touch of its annotations
 * rather than the wait's own recheck (up to 30 s): the first may be the pass that recorded the
 * Event, so the second looked again after it.
 */
async function laterPasses(
  metrics: ControllerMetrics,
  client: KubeClient,
  namespace: string,
  name: string,
) {
  const from = await requeued(metrics);
  let touch = 0;
  await vi.waitFor(
    async () => {
      touch += 1;
      await client.patch(workflowExecutions, namespace, name, {
        metadata: { annotations: { 'roundhouse.test/touch': String(touch) } },
      });
      expect(await requeued(metrics)).toBeGreaterThanOrEqual(from + 2);
    },
    { ...patience, interval: 1_000 },
  );
}
