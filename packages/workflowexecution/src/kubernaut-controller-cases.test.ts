/*
 * kubernaut's un-numbered reconciler cases at d5a4a87 (pkg/workflowexecution/controller_test.go)
 * that tell what a user sees: the status and Events of MarkCompleted and MarkFailed,
 * failureDetails.wasExecutionFailure (determineWasExecutionFailure), the default cooldown, the
 * spec validation in the reconcile flow, reconcileDelete's cleanup, finalizer and Event, and
 * which execution a run's events wake (FindWFEForOwnedResource). kubernaut
 * calls those methods on a PipelineRun it hands them; here the engine's result stands for the
 * PipelineRun, and the reconciler runs as the controller runs it (lifecycle Events, as the
 * example's `--conventions kubernaut`). Each case names kubernaut's Describe and It.
 */
import {
  type ExecutionResult,
  type Executor,
  executionOwnerKey,
  kubernautConventions,
  parseWorkflowExecution,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import {
  reconcileContext as ctx,
  engineRunning,
  jobRegistry,
  keyedRecorder,
  reconcilerOver,
} from './reconciler.test-support.js';

/** kubernaut's fixture: restart-deployment on `target`, through the tekton engine. */
const kubernautSpec = (target: string) => ({
  workflowRef: {
    workflowId: 'restart-deployment',
    version: '1',
    executionBundle: 'ghcr.io/kubernaut/workflows/restart:v1.0.0',
  },
  targetResource: target,
  executionEngine: 'tekton',
});

/** A reconciler under lifecycle Events whose tekton engine answers `result()`. */
function reconcilerFor(
  api: ReturnType<typeof executionServer>,
  clock: { now: Date },
  result: () => ExecutionResult | null,
  cleanup: () => Promise<void> = async () => {},
  create: Executor['create'] = async () => ({
    resourceName: 'wfe-0123456789abcdef',
    warnings: [],
  }),
) {
  const { recorder, recorded } = keyedRecorder();
  const reconciler = reconcilerOver(api, {
    registry: jobRegistry({
      engine: 'tekton',
      create,
      getStatus: async () => result(),
      cleanup,
    }),
    policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
    executionNamespace: 'kubernaut-workflows',
    watchedEngines: new Set(['tekton']),
    cooldownMs: 60_000,
    events: recorder,
    eventMode: 'lifecycle',
    now: () => clock.now,
  });
  return { reconciler, recorded };
}

const status = (api: ReturnType<typeof executionServer>) =>
  api.state.stored.status as WorkflowExecution['status'];

/** Runs `name` to Running at 00:00:00, then to what `ended` reports at `endedAt`. */
async function runToEnd(name: string, ended: ExecutionResult, endedAt: string) {
  const api = executionServer(storedExecution(name, kubernautSpec('default/deployment/test-app')));
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  let result: ExecutionResult = engineRunning;
  const { reconciler, recorded } = reconcilerFor(api, clock, () => result);
  await reconciler.reconcile(`team-a/${name}`, ctx());
  expect(status(api)?.phase).toBe('Running');
  clock.now = new Date(endedAt);
  result = ended;
  await reconciler.reconcile(`team-a/${name}`, ctx());
  return { api, recorded };
}

describe("kubernaut's MarkCompleted cases (controller_test.go, MarkCompleted)", () => {
  it('"should set phase to Completed", "should set CompletionTime from PipelineRun", "should calculate Duration from StartTime to CompletionTime", "should emit WorkflowCompleted event"', async () => {
    // The run finished at 00:02:00; the controller sees it 10 seconds later.
    const { api, recorded } = await runToEnd(
      'test-wfe',
      {
        phase: 'Completed',
        reason: 'Succeeded',
        message: 'Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0',
        summary: { status: 'True', totalTasks: 3, completedTasks: 3 },
        completionTime: '2026-01-01T00:02:00Z',
      },
      '2026-01-01T00:02:10Z',
    );
    expect(status(api)).toMatchObject({
      phase: 'Completed',
      startTime: '2026-01-01T00:00:00Z',
      completionTime: '2026-01-01T00:02:00Z',
      duration: '2m0s',
    });
    expect(recorded).toContain(
      'Normal WorkflowCompleted: Workflow restart-deployment completed successfully in 2m0s',
    );
  });
});

describe("kubernaut's MarkFailed cases (controller_test.go, MarkFailed)", () => {
  /** kubernaut's PipelineRun: Succeeded False, Failed, a task's permission denied. */
  const failed: ExecutionResult = {
    phase: 'Failed',
    reason: 'Failed',
    message: "Task 'apply-memory-increase' failed: permission denied",
    summary: { status: 'False' },
    failureReason: 'Forbidden',
    started: true,
  };

  it('"should set phase to Failed", "should populate FailureDetails", "should populate the top-level FailureReason field to match FailureDetails.Reason", "should set CompletionTime", "should calculate Duration", "should generate NaturalLanguageSummary", "should emit WorkflowFailed event"', async () => {
    const { api, recorded } = await runToEnd('test-wfe-failed', failed, '2026-01-01T00:00:45Z');
    const s = status(api);
    expect(s).toMatchObject({
      phase: 'Failed',
      completionTime: '2026-01-01T00:00:45Z',
      duration: '45s',
      failureReason: 'Forbidden',
      failureDetails: {
        reason: 'Forbidden',
        message: "Task 'apply-memory-increase' failed: permission denied",
        wasExecutionFailure: true,
        // ExtractFailureDetails "should calculate ExecutionTimeBeforeFailure"
        executionTimeBeforeFailure: '45s',
      },
    });
    expect(s?.failureReason).toBe(s?.failureDetails?.reason);
    expect(s?.failureDetails?.naturalLanguageSummary).toContain('restart-deployment');
    expect(s?.failureDetails?.naturalLanguageSummary).toContain('Failed after: 45s\n');
    expect(recorded).toContain(
      "Warning WorkflowFailed: Workflow restart-deployment failed: Forbidden - Task 'apply-memory-increase' failed: permission denied",
    );
  });
});

describe("kubernaut's determineWasExecutionFailure cases (controller_test.go, determineWasExecutionFailure - Edge Cases via ExtractFailureDetails)", () => {
  it.each([
    // "StartTime vs. FailureReason Conflicts"
    ['ImagePullBackOff', true, false],
    ['ConfigurationError', true, false],
    ['ResourceExhausted', true, false],
    ['TaskFailed', true, true],
    // "ChildReferences Edge Cases": children or a start time make a started run
    ['Unknown', true, true],
    ['Unknown', false, false],
    // "Reason-Based Detection"
    ['OOMKilled', false, true],
    ['DeadlineExceeded', false, true],
  ] as const)(
    'a run failed %s (started: %s) records wasExecutionFailure %s',
    async (failureReason, started, wasExecutionFailure) => {
      const { api } = await runToEnd(
        'test-wfe-was-execution',
        {
          phase: 'Failed',
          reason: 'Failed',
          message: 'failed',
          summary: { status: 'False' },
          failureReason,
          started,
        },
        '2026-01-01T00:00:30Z',
      );
      expect(status(api)?.failureDetails).toMatchObject({
        reason: failureReason,
        wasExecutionFailure,
      });
    },
  );
});

describe('kubernaut\'s default cooldown (controller_test.go, Controller Instantiation, "should use default values from constants")', () => {
  it('a controller given no cooldown keeps the lock of an ended execution for 5 minutes', async () => {
    const api = executionServer(
      storedExecution('test-wfe-default', kubernautSpec('default/deployment/test-app')),
    );
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    let result: ExecutionResult = engineRunning;
    const cleanup = vi.fn(async () => {});
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ engine: 'tekton', getStatus: async () => result, cleanup }),
      watchedEngines: new Set(['tekton']),
      now: () => clock.now,
    });
    await reconciler.reconcile('team-a/test-wfe-default', ctx());
    result = {
      ...engineRunning,
      phase: 'Completed',
      reason: 'Succeeded',
      summary: { status: 'True' },
    };
    clock.now = new Date('2026-01-01T00:01:00Z');
    expect(await reconciler.reconcile('team-a/test-wfe-default', ctx())).toEqual({
      requeueAfter: 5 * 60_000,
    });
    clock.now = new Date('2026-01-01T00:05:59Z');
    await reconciler.reconcile('team-a/test-wfe-default', ctx());
    expect(cleanup).not.toHaveBeenCalled();
    clock.now = new Date('2026-01-01T00:06:00Z');
    await reconciler.reconcile('team-a/test-wfe-default', ctx());
    expect(cleanup).toHaveBeenCalledTimes(1);
  });
});

describe("kubernaut's spec validation in the reconcile flow (controller_test.go, Spec Validation (Day 8))", () => {
  // Its "TargetResource format validation" table's valid rows, namespaced and cluster-scoped.
  it.each([
    'default/deployment/nginx',
    'prod/statefulset/postgres',
    'kube-system/daemonset/fluentd',
    'default/replicaset/my-rs',
    'ns-1/deployment/app',
    'default/deployment/app123',
    'node/worker-node-1',
    'persistentvolume/pv-data-01',
    'clusterrole/admin',
    'namespace/production',
  ])('takes the target %j', (target) => {
    const spec = parseWorkflowExecution({
      metadata: { name: 'w', namespace: 'default' },
      spec: kubernautSpec(target),
    }).spec;
    expect(spec.targetResource).toBe(target);
  });

  it.each([
    // "should fail WFE with ConfigurationError reason on invalid spec"
    [
      'invalid-format',
      'restart-deployment',
      'ghcr.io/org/workflow:v1.0',
      'spec.targetResource: targetResource must be in format {namespace}/{kind}/{name} (namespaced) or {kind}/{name} (cluster-scoped), got 1 parts',
    ],
    // Its table's "invalid - all empty returns executionBundle error first": kubernaut's first
    // error alone; every issue here, each after its field's path.
    [
      '',
      '',
      '',
      'spec.workflowRef.workflowId: workflowId must not be empty; spec.workflowRef.executionBundle: workflowRef.executionBundle is required; spec.targetResource: targetResource is required',
    ],
  ])(
    'the target %j, workflow %j and bundle %j fail ConfigurationError before anything is created',
    async (target, workflowId, bundle, message) => {
      const spec = kubernautSpec(target);
      const api = executionServer(
        storedExecution('invalid', {
          ...spec,
          workflowRef: { ...spec.workflowRef, workflowId, executionBundle: bundle },
        }),
      );
      const create = vi.fn();
      const { reconciler } = reconcilerFor(
        api,
        { now: new Date('2026-01-01T00:00:00Z') },
        () => null,
        async () => {},
        create,
      );
      await reconciler.reconcile('team-a/invalid', ctx());
      expect(status(api)).toMatchObject({
        phase: 'Failed',
        failureReason: 'ConfigurationError',
        failureDetails: { reason: 'ConfigurationError', message, wasExecutionFailure: false },
      });
      expect(create).not.toHaveBeenCalled();
    },
  );
});

describe("kubernaut's reconcileDelete cases (controller_test.go, reconcileDelete - Finalizer Cleanup)", () => {
  /** Execution `name` in `phase`, its status as `status` says, deleted at 00:10:00. */
  function deletedExecution(name: string, extra: Record<string, unknown>): KubeObject {
    const stored = storedExecution(name, kubernautSpec('default/deployment/my-app'));
    return {
      ...stored,
      metadata: { ...stored.metadata, deletionTimestamp: '2026-01-01T00:10:00Z' },
      status: extra,
    };
  }

  it.each([
    // "should include phase in deletion event", "should remove finalizer after cleanup"
    ['Failed', { phase: 'Failed', completionTime: '2026-01-01T00:09:00Z' }],
    // "should delete PipelineRun during Running phase (cancels execution)"
    [
      'Running',
      {
        phase: 'Running',
        startTime: '2026-01-01T00:00:00Z',
        executionRef: { name: 'wfe-0123456789abcdef' },
      },
    ],
    // "should delete PipelineRun even when ExecutionRef is nil"
    ['Pending', { phase: 'Pending' }],
  ])(
    'a %s execution deleted has its PipelineRun removed, its finalizer taken off and WorkflowExecutionDeleted naming its phase',
    async (phase, extra) => {
      const api = executionServer(deletedExecution('test-wfe-delete', extra));
      const cleanup = vi.fn(async () => {});
      const { reconciler, recorded } = reconcilerFor(
        api,
        { now: new Date('2026-01-01T00:10:01Z') },
        () => (phase === 'Running' ? engineRunning : null),
        cleanup,
      );
      await reconciler.reconcile('team-a/test-wfe-delete', ctx());
      expect(cleanup).toHaveBeenCalledTimes(1);
      expect(api.state.stored.metadata?.finalizers).toEqual([]);
      expect(recorded).toContain(
        `Normal WorkflowExecutionDeleted: WorkflowExecution cleanup completed (phase: ${phase})`,
      );
    },
  );

  it('"should return early if finalizer not present": an execution without its finalizer is left as it is', async () => {
    const stored = deletedExecution('test-wfe-no-finalizer', { phase: 'Completed' });
    const api = executionServer({ ...stored, metadata: { ...stored.metadata, finalizers: [] } });
    const cleanup = vi.fn(async () => {});
    const { reconciler, recorded } = reconcilerFor(
      api,
      { now: new Date('2026-01-01T00:10:01Z') },
      () => null,
      cleanup,
    );
    expect(await reconciler.reconcile('team-a/test-wfe-no-finalizer', ctx())).toBeUndefined();
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.patch).not.toHaveBeenCalled();
    expect(recorded).toEqual([]);
  });
});

/*
 * The controller's watches map a PipelineRun's or Job's events to the execution its labels name
 * (controller.ts, through executionOwnerKey), as kubernaut's FindWFEForOwnedResource does.
 */
describe("kubernaut's FindWFEForOwnedResource cases (controller_test.go, FindWFEForOwnedResource)", () => {
  const key = (labels?: Record<string, string>) =>
    executionOwnerKey(labels ? { labels } : {}, kubernautConventions);

  it('"should return reconcile request for labeled PipelineRun"', () => {
    expect(
      key({
        'kubernaut.ai/workflow-execution': 'my-wfe',
        'kubernaut.ai/source-namespace': 'payment',
      }),
    ).toBe('payment/my-wfe');
  });

  it('"should return empty for PipelineRun without workflow-execution label", "... without source-namespace label", "... without labels"', () => {
    expect(key({ 'kubernaut.ai/source-namespace': 'payment' })).toBeUndefined();
    expect(key({ 'kubernaut.ai/workflow-execution': 'my-wfe' })).toBeUndefined();
    expect(key()).toBeUndefined();
  });
});
