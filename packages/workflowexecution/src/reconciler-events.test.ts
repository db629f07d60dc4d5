/**
 * Past 350 lines: every Event the reconciler records, over one scripted server and recorder.
 */
/*
 * The Events each `eventMode` records, with the reasons, types and words kubernaut's own tests
 * look for (its pkg/workflowexecution/controller_events_test.go, controller_test.go and
 * test/integration/workflowexecution/events_test.go at d5a4a87).
 */
import type { EventRecorder } from '@roundhouse/controller';
import {
  type ExecutionResult,
  type Executor,
  parseWorkflowExecution,
  QuotaExceededError,
  type WorkflowExecution,
} from '@roundhouse/core';
import { type KubeObject, KubernetesApiError, type Reader } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import type { ExecutionsByTarget } from './executions-by-target.js';
import { following } from './executions-by-target.test-support.js';
import { type EventMode, workflowCompleted, workflowValidated } from './lifecycle-events.js';
import type { WorkflowExecutionReconciler } from './reconciler.js';
import {
  reconcileContext as ctx,
  jobCompleted,
  jobRegistry,
  reconcilerOver,
  keyedRecorder as recorder,
  engineRunning as running,
} from './reconciler.test-support.js';

function reconcilerFor(
  api: ReturnType<typeof executionServer>,
  options: {
    eventMode?: EventMode;
    events: ReturnType<typeof recorder>['events'];
    executor?: Partial<Executor>;
    targets?: ExecutionsByTarget;
    clock?: { now: Date };
  },
) {
  const clock = options.clock ?? { now: new Date('2026-01-01T00:00:00Z') };
  return reconcilerOver(api, {
    registry: jobRegistry({ getStatus: async () => running, ...options.executor }),
    ...(options.targets ? { targets: options.targets } : {}),
    policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
    executionNamespace: 'kubernaut-workflows',
    // Asked on every reconcile, not on a poll schedule.
    watchedEngines: new Set(['job']),
    cooldownMs: 5 * 60_000,
    events: options.events as unknown as EventRecorder,
    ...(options.eventMode ? { eventMode: options.eventMode } : {}),
    now: () => clock.now,
  });
}

/** A reconcile of `key` while the API server answers no write: it fails, and is retried. */
async function whileWritesFail(
  api: ReturnType<typeof executionServer>,
  reconciler: WorkflowExecutionReconciler,
  key: string,
) {
  api.state.failWrites = true;
  await expect(reconciler.reconcile(key, ctx())).rejects.toThrow('no answer');
  api.state.failWrites = false;
}

/** The tekton engine, whose create finds a PipelineRun there already when `adoptedKind` says so. */
const tektonCreating = (adoptedKind?: string) => ({
  engine: 'tekton',
  create: async () => ({
    resourceName: 'wfe-0123456789abcdef',
    warnings: [],
    ...(adoptedKind ? { adoptedKind } : {}),
  }),
});

/** A controller under lifecycle whose tekton engine creates the PipelineRun, or adopts one. */
const lifecycleOnTekton = (
  api: ReturnType<typeof executionServer>,
  events: ReturnType<typeof recorder>['events'],
  adoptedKind?: string,
) => reconcilerFor(api, { eventMode: 'lifecycle', events, executor: tektonCreating(adoptedKind) });

/** The Events of a tekton start under lifecycle that created its PipelineRun, once each. */
const tektonStartEvents = [
  'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
  'Normal ExecutionCreated: Created tekton execution resource kubernaut-workflows/wfe-0123456789abcdef',
  'Normal PhaseTransition: Phase transition: Pending → Running',
];

/** Runs one execution from creation through Completed, its lock release and its deletion. */
async function throughToDeletion(eventMode: EventMode | undefined) {
  const api = executionServer(storedExecution('happy'));
  const { events, recorded } = recorder();
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  let result = running;
  const reconciler = reconcilerFor(api, {
    events,
    clock,
    executor: { getStatus: async () => result },
    ...(eventMode ? { eventMode } : {}),
  });
  // The Running write fails once: the retried start records its Events again, the same ones.
  await whileWritesFail(api, reconciler, 'team-a/happy');
  await reconciler.reconcile('team-a/happy', ctx());
  expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
  await reconciler.reconcile('team-a/happy', ctx());
  clock.now = new Date('2026-01-01T00:01:05Z');
  result = jobCompleted('2026-01-01T00:01:05Z');
  await reconciler.reconcile('team-a/happy', ctx());
  expect(api.state.stored.status).toMatchObject({ phase: 'Completed', duration: '1m5s' });
  // A resync during the cooldown, then a replica resuming with the copy from before Completed.
  await reconciler.reconcile('team-a/happy', ctx());
  clock.now = new Date('2026-01-01T00:06:06Z');
  await reconciler.reconcile('team-a/happy', ctx());
  expect(JSON.stringify(api.state.stored.status)).toContain('LockReleased');
  api.state.stored = {
    ...api.state.stored,
    metadata: { ...api.state.stored.metadata, deletionTimestamp: '2026-01-01T00:07:00Z' },
  };
  await reconciler.reconcile('team-a/happy', ctx());
  return { recorded, events };
}

describe('WorkflowExecutionReconciler Events', () => {
  it("IT-WE-095-01 / UT-WE-095-06: under lifecycle, records kubernaut's Events of a Job through to Completed, its lock release and its deletion, in order and once each", async () => {
    const { recorded, events } = await throughToDeletion('lifecycle');
    expect(recorded).toEqual([
      'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
      'Normal ExecutionCreated: Created job execution resource kubernaut-workflows/wfe-0123456789abcdef',
      'Normal PhaseTransition: Phase transition: Pending → Running',
      'Normal WorkflowCompleted: Workflow restart-pod completed successfully in 1m5s',
      'Normal PhaseTransition: Phase transition: Running → Completed',
      'Normal LockReleased: Lock released for team-a/deployment/app after cooldown',
      'Normal WorkflowExecutionDeleted: WorkflowExecution cleanup completed (phase: Completed)',
    ]);
    // The failed write's retry sent its three Events again, under the same keys.
    expect(events.record).toHaveBeenCalledTimes(recorded.length + 3);
  });

  it('under outcome (the default), records only the outcome: the lock release', async () => {
    const { recorded, events } = await throughToDeletion(undefined);
    expect(recorded).toEqual([
      'Normal LockReleased: Lock released for team-a/deployment/app after cooldown',
    ]);
    expect(events.record).toHaveBeenCalledTimes(1);
  });

  it.each([
    [
      'outcome' as const,
      [
        'Warning ExecutionWarning: The job engine created the execution with warnings: parameters not declared by the Pipeline were dropped: EXTRA; spec.workflowRef.engineConfig is not used by this engine',
      ],
    ],
    [
      'lifecycle' as const,
      [
        'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
        'Normal ExecutionCreated: Created job execution resource kubernaut-workflows/wfe-0123456789abcdef',
        'Warning ExecutionWarning: The job engine created the execution with warnings: parameters not declared by the Pipeline were dropped: EXTRA; spec.workflowRef.engineConfig is not used by this engine',
        'Normal PhaseTransition: Phase transition: Pending → Running',
      ],
    ],
  ])(
    'under %s, tells the author what the engine warned of at the create, once, in one Warning Event',
    async (eventMode, expected) => {
      const api = executionServer(storedExecution('warned'));
      const { events, recorded } = recorder();
      const reconciler = reconcilerFor(api, {
        eventMode,
        events,
        executor: {
          create: async () => ({
            resourceName: 'wfe-0123456789abcdef',
            warnings: [
              'parameters not declared by the Pipeline were dropped: EXTRA',
              'spec.workflowRef.engineConfig is not used by this engine',
            ],
          }),
        },
      });
      // The Running write fails once: the retried start warns again, under the same key.
      await whileWritesFail(api, reconciler, 'team-a/warned');
      await reconciler.reconcile('team-a/warned', ctx());
      await reconciler.reconcile('team-a/warned', ctx());
      expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
      expect(recorded).toEqual(expected);
    },
  );

  it('keeps a replica resuming with a copy from before Completed from recording the completion twice', async () => {
    const api = executionServer(storedExecution('stale'));
    const { events, recorded } = recorder();
    const completed = jobCompleted();
    const leader = reconcilerFor(api, {
      eventMode: 'lifecycle',
      events,
      executor: { getStatus: async () => completed },
    });
    await leader.reconcile('team-a/stale', ctx());
    const runningCopy = api.state.stored;
    await leader.reconcile('team-a/stale', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Completed' });
    // The paused replica's cache still shows Running: its completion is the leader's Events.
    const paused = reconcilerFor(
      { ...api, reader: { get: async () => runningCopy } as unknown as Reader },
      { eventMode: 'lifecycle', events, executor: { getStatus: async () => completed } },
    );
    await paused.reconcile('team-a/stale', ctx());
    expect(recorded.filter((e) => e.includes('Completed'))).toEqual([
      'Normal WorkflowCompleted: Workflow restart-pod completed successfully in 0s',
      'Normal PhaseTransition: Phase transition: Running → Completed',
    ]);
  });

  // kubernaut UT-WE-1597-001/002/003 record the terminal audit event once though the status
  // write met a conflict and was retried. Roundhouse sends no audit events (docs/conventions.md);
  // the Event that reports the end is what must not be sent twice by that retry.
  it.each([
    ['UT-WE-1597-001', 'Completed', 'WorkflowCompleted', jobCompleted(), undefined],
    [
      'UT-WE-1597-002',
      'Failed',
      'WorkflowFailed',
      {
        phase: 'Failed',
        reason: 'Failed',
        message: "Task 'apply-memory-increase' failed: permission denied",
        summary: { status: 'False' },
        failureReason: 'TaskFailed',
        started: true,
      } satisfies ExecutionResult,
      undefined,
    ],
    [
      'UT-WE-1597-003',
      'Failed',
      'WorkflowFailed',
      running,
      new QuotaExceededError('namespace quota exceeded'),
    ],
  ] as const)(
    '%s: a terminal status write that meets a conflict is retried, and its %s Event (%s) is recorded once',
    async (_id, phase, reason, result, refusal) => {
      const api = executionServer(storedExecution('conflicted'));
      const { events, recorded } = recorder();
      const reconciler = reconcilerFor(api, {
        eventMode: 'lifecycle',
        events,
        executor: {
          getStatus: async () => result,
          ...(refusal
            ? {
                create: async () => {
                  throw refusal;
                },
              }
            : {}),
        },
      });
      if (!refusal) {
        await reconciler.reconcile('team-a/conflicted', ctx());
        expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
      }
      // Another writer wins the race to the first terminal write, as kubernaut's interceptor does.
      const send = api.patch.getMockImplementation() as NonNullable<
        ReturnType<typeof api.patch.getMockImplementation>
      >;
      let conflicts = 0;
      api.patch.mockImplementation(async (...args) => {
        const body = args[3] as KubeObject;
        if (conflicts === 0 && (body.status as { phase?: string } | undefined)?.phase === phase) {
          conflicts += 1;
          throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
        }
        return send(...args);
      });
      await reconciler.reconcile('team-a/conflicted', ctx()).catch(() => undefined);
      await reconciler.reconcile('team-a/conflicted', ctx());
      expect(conflicts).toBe(1);
      expect(api.state.stored.status).toMatchObject({ phase });
      const terminal = events.record.mock.calls.filter(([, , r]) => r === reason);
      expect(terminal).toHaveLength(1);
      expect(recorded.filter((e) => e.includes(`${reason}:`))).toHaveLength(1);
    },
  );

  it('IT-WE-095-04: under lifecycle, a Job that fails records WorkflowFailed and the Running → Failed transition', async () => {
    const api = executionServer(storedExecution('fails'));
    const { events, recorded } = recorder();
    let result = running;
    const reconciler = reconcilerFor(api, {
      eventMode: 'lifecycle',
      events,
      executor: { getStatus: async () => result },
    });
    await reconciler.reconcile('team-a/fails', ctx());
    result = {
      phase: 'Failed',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      summary: { status: 'False' },
      failureReason: 'TaskFailed',
      started: true,
    };
    await reconciler.reconcile('team-a/fails', ctx());
    await reconciler.reconcile('team-a/fails', ctx());
    expect(recorded.slice(3)).toEqual([
      'Warning WorkflowFailed: Workflow restart-pod failed: TaskFailed - Job has reached the specified backoff limit',
      'Normal PhaseTransition: Phase transition: Running → Failed',
    ]);
  });

  it("writes an author's control and invisible characters in the status and the WorkflowFailed Event as escapes", async () => {
    // The workflow id is free text to the CRD, and a step's termination message (the pod
    // engine runs the author's script) is the author's too; a terminal shows both.
    const api = executionServer(
      storedExecution('escapes', {
        workflowRef: {
          workflowId: 'w\u001b]52;c;cm0gLXJmIC8K\u0007\nWarning Forged: x',
          version: '1',
          executionBundle: 'registry.invalid/w:1',
        },
      }),
    );
    const { events, recorded } = recorder();
    let result = running;
    const reconciler = reconcilerFor(api, { events, executor: { getStatus: async () => result } });
    await reconciler.reconcile('team-a/escapes', ctx());
    result = {
      phase: 'Failed',
      reason: 'Error',
      message: 'step a exited 1: \u001b[2Jdone\u202eA\nnext line',
      summary: { status: 'False' },
      failureReason: 'TaskFailed',
      started: true,
    };
    await reconciler.reconcile('team-a/escapes', ctx());
    const hidden = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
    expect(recorded.filter((line) => hidden.test(line.replaceAll('\n', '')))).toEqual([]);
    expect(recorded).toContain(
      'Warning WorkflowFailed: Workflow w\\x1b]52;c;cm0gLXJmIC8K\\x07\\nWarning Forged: x failed: TaskFailed - step a exited 1: \\x1b[2Jdone\\u202eA\nnext line',
    );
    // Under lifecycle the id is in the validation and completion Events too, one line each.
    const spec = parseWorkflowExecution(api.state.stored).spec;
    expect(workflowValidated(spec).message).toBe(
      'Workflow spec validated: w\\x1b]52;c;cm0gLXJmIC8K\\x07\\nWarning Forged: x (target: team-a/deployment/app)',
    );
    expect(workflowCompleted(spec.workflowRef.workflowId, '1s').message).toBe(
      'Workflow w\\x1b]52;c;cm0gLXJmIC8K\\x07\\nWarning Forged: x completed successfully in 1s',
    );
    const status = JSON.stringify(api.state.stored.status);
    expect(status).toContain('step a exited 1: \\\\x1b[2Jdone\\\\u202eA\\nnext line');
    expect(hidden.test(status)).toBe(false);
  });

  it('UT-WE-659-004 / IT-WE-095-02: under lifecycle, an invalid spec records WorkflowValidationFailed saying no more than its failureDetails, then WorkflowFailed and Pending → Failed', async () => {
    const api = executionServer(
      storedExecution('invalid', { targetResource: 'team-a/deployment/<script>alert(1)</script>' }),
    );
    const { events, recorded } = recorder();
    const reconciler = reconcilerFor(api, {
      eventMode: 'lifecycle',
      events,
    });
    await reconciler.reconcile('team-a/invalid', ctx());
    await reconciler.reconcile('team-a/invalid', ctx());
    const status = api.state.stored.status as WorkflowExecution['status'];
    const message = status?.failureDetails?.message as string;
    expect(status?.phase).toBe('Failed');
    expect(recorded).toEqual([
      `Warning WorkflowValidationFailed: Spec validation failed: ${message}`,
      `Warning WorkflowFailed: Pre-execution failure: ConfigurationError - ${message}`,
      'Normal PhaseTransition: Phase transition: Pending → Failed',
    ]);
    expect(recorded.join('\n')).not.toContain('<script>');
  });

  // kubernaut UT-WE-868-020/021: its registry's error for an engine not registered names the
  // engine and says "unsupported execution engine"; the failure and both Events carry it.
  it.each([
    ['UT-WE-868-020', 'tekton'],
    ['UT-WE-868-021', 'ansible'],
  ])(
    "UT-WE-659-002 / %s: under lifecycle, an engine this controller does not run (%s) records WorkflowValidationFailed in the registry's words",
    async (_id, engine) => {
      const api = executionServer(storedExecution('no-engine', { executionEngine: engine }));
      const { events, recorded } = recorder();
      const reconciler = reconcilerFor(api, {
        eventMode: 'lifecycle',
        events,
      });
      await reconciler.reconcile('team-a/no-engine', ctx());
      const status = api.state.stored.status as WorkflowExecution['status'];
      const message = status?.failureDetails?.message as string;
      expect(status?.failureDetails?.reason).toBe('UnsupportedEngine');
      expect(message).toBe(`unsupported execution engine: "${engine}" (registered: [job])`);
      expect(recorded).toEqual([
        'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
        `Warning WorkflowValidationFailed: ${message}`,
        `Warning WorkflowFailed: Pre-execution failure: UnsupportedEngine - ${message}`,
        'Normal PhaseTransition: Phase transition: Pending → Failed',
      ]);
    },
  );

  it.each([
    [
      'lifecycle' as const,
      [
        'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
        'Normal PipelineRunCreated: PipelineRun kubernaut-workflows/wfe-0123456789abcdef (already exists, ours)',
      ],
    ],
    ['outcome' as const, []],
  ])(
    "under %s, a PipelineRun of the execution's that was there already, its start not reported by anyone, is reported as kubernaut's race path: PipelineRunCreated alone, and its words in ExecutionCreated",
    async (eventMode, expected) => {
      const api = executionServer(storedExecution('raced', { executionEngine: 'tekton' }));
      const { events, recorded } = recorder();
      const reconciler = reconcilerFor(api, {
        eventMode,
        events,
        executor: tektonCreating('PipelineRun'),
      });
      await reconciler.reconcile('team-a/raced', ctx());
      const status = api.state.stored.status as WorkflowExecution['status'];
      expect(status).toMatchObject({
        phase: 'Running',
        executionRef: { name: 'wfe-0123456789abcdef' },
      });
      expect(status?.conditions).toContainEqual(
        expect.objectContaining({
          type: 'ExecutionCreated',
          status: 'True',
          reason: 'ExecutionCreated',
          message: 'PipelineRun wfe-0123456789abcdef already exists (race condition)',
        }),
      );
      expect(recorded).toEqual(expected);
    },
  );

  it('under lifecycle, a start that recorded ExecutionCreated and was killed before its Running write is not reported again as the race path by the next controller', async () => {
    const api = executionServer(storedExecution('killed', { executionEngine: 'tekton' }));
    const { events, recorded } = recorder();
    const first = lifecycleOnTekton(api, events);
    await whileWritesFail(api, first, 'team-a/killed');
    // The next controller finds the PipelineRun the killed one created: its own, adopted.
    const next = lifecycleOnTekton(api, events, 'PipelineRun');
    await next.reconcile('team-a/killed', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    expect(recorded).toEqual(tektonStartEvents);
  });

  it('under lifecycle, a start killed between recording ExecutionCreated and its Pending → Running transition has the transition recorded, once, by the next controller, which adopts the resource', async () => {
    const api = executionServer(storedExecution('cut', { executionEngine: 'tekton' }));
    const { events, recorded } = recorder();
    // The killed controller: its transition Event and its Running write never landed.
    const killed = {
      record: vi.fn(async (...args: Parameters<typeof events.record>) =>
        args[2] === 'PhaseTransition' ? 'failed' : events.record(...args),
      ),
    };
    const first = lifecycleOnTekton(api, killed);
    api.state.failWrites = true;
    await expect(first.reconcile('team-a/cut', ctx())).rejects.toThrow('no answer');
    // The next controller adopts the PipelineRun; its own Running write fails once, and its
    // retry records nothing twice.
    const next = lifecycleOnTekton(api, events, 'PipelineRun');
    await expect(next.reconcile('team-a/cut', ctx())).rejects.toThrow('no answer');
    api.state.failWrites = false;
    await next.reconcile('team-a/cut', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    expect(recorded).toEqual(tektonStartEvents);
  });

  it("under lifecycle, a race path's start whose Running write failed finds its own PipelineRunCreated on the retry, and records the transition then, as after a kill", async () => {
    const api = executionServer(storedExecution('retried', { executionEngine: 'tekton' }));
    const { events, recorded } = recorder();
    const reconciler = lifecycleOnTekton(api, events, 'PipelineRun');
    await whileWritesFail(api, reconciler, 'team-a/retried');
    await reconciler.reconcile('team-a/retried', ctx());
    await reconciler.reconcile('team-a/retried', ctx());
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    expect(recorded).toEqual([
      'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
      'Normal PipelineRunCreated: PipelineRun kubernaut-workflows/wfe-0123456789abcdef (already exists, ours)',
      'Normal PhaseTransition: Phase transition: Pending → Running',
    ]);
  });

  it("under lifecycle, a Job of the execution's that was there already is reported by its kind, as kubernaut reports a PipelineRun (its Job path fails such an execution as locked)", async () => {
    const api = executionServer(storedExecution('rejoined'));
    const { events, recorded } = recorder();
    const reconciler = reconcilerFor(api, {
      eventMode: 'lifecycle',
      events,
      executor: {
        create: async () => ({
          resourceName: 'wfe-0123456789abcdef',
          warnings: [],
          adoptedKind: 'Job',
        }),
      },
    });
    await reconciler.reconcile('team-a/rejoined', ctx());
    const status = api.state.stored.status as WorkflowExecution['status'];
    expect(status).toMatchObject({ phase: 'Running' });
    expect(status?.conditions).toContainEqual(
      expect.objectContaining({
        type: 'ExecutionCreated',
        message: 'Job wfe-0123456789abcdef already exists (race condition)',
      }),
    );
    expect(recorded).toEqual([
      'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
      'Normal JobCreated: Job kubernaut-workflows/wfe-0123456789abcdef (already exists, ours)',
    ]);
  });

  it('IT-WE-095-03: under lifecycle, a start held back by a cooldown records CooldownActive once per execution holding it', async () => {
    const prior: KubeObject = {
      metadata: { name: 'prior', namespace: 'team-a', uid: 'u-prior', resourceVersion: '3' },
      spec: storedExecution('prior').spec,
      status: {
        phase: 'Completed',
        completionTime: '2026-01-01T00:09:29Z',
        executionRef: { name: 'wfe-0123456789abcdef' },
      },
    };
    const api = executionServer(storedExecution('next'));
    const { events, recorded } = recorder();
    const clock = { now: new Date('2026-01-01T00:10:00Z') };
    const reconciler = reconcilerFor(api, {
      eventMode: 'lifecycle',
      events,
      clock,
      targets: following([prior, api.state.stored]),
    });
    expect(await reconciler.reconcile('team-a/next', ctx())).toEqual({ requeueAfter: 269_000 });
    // Woken early (an edit, a resync): kubernaut says it again with less left; this is the same.
    clock.now = new Date('2026-01-01T00:11:00Z');
    await reconciler.reconcile('team-a/next', ctx());
    expect(recorded).toEqual([
      'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
      'Normal CooldownActive: Execution deferred: cooldown active for team-a/deployment/app (remaining: 4m29s)',
    ]);
    expect(events.record).toHaveBeenLastCalledWith(
      expect.anything(),
      'Normal',
      'CooldownActive',
      'Execution deferred: cooldown active for team-a/deployment/app (remaining: 3m29s)',
      { key: 'CooldownActive team-a/prior', signal: expect.any(AbortSignal) },
    );
  });
});
