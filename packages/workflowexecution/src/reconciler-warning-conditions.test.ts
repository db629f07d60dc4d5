/*
 * What a create's condition warnings (`ConditionWarning`) become: a True condition on the
 * Running write, and a Warning Event with the warning's own reason (kubernaut's
 * finalizePendingToRunning, Issue #501) under lifecycle; under outcome, the one ExecutionWarning
 * Event as before. Plain warnings keep their ExecutionWarning Event under both.
 */
import type { EventRecorder } from '@roundhouse/controller';
import type { CreateWarning, Executor } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import type { EventMode } from './lifecycle-events.js';
import {
  reconcileContext as ctx,
  jobRegistry,
  reconcilerOver,
  keyedRecorder as recorder,
  engineRunning as running,
} from './reconciler.test-support.js';

/** kubernaut's ansible.go warning when the API server shortened the token (UT-WE-501-008). */
const tokenTTL = {
  type: 'TokenTTLInsufficient',
  reason: 'TokenTTLShortened',
  message:
    'granted token TTL 10m0s is shorter than execution timeout 1h0m0s — playbook may receive ' +
    '401 errors if it outlives the token',
};
const plain = 'spec.workflowRef.engineConfig is not used by this engine';

/** Starts one execution whose engine warns of `warnings`, its Running write failing once. */
async function started(eventMode: EventMode | undefined, warnings: readonly CreateWarning[]) {
  const api = executionServer(storedExecution('warned'));
  const { events, recorded } = recorder();
  const create: Executor['create'] = async () => ({
    resourceName: 'wfe-0123456789abcdef',
    warnings,
  });
  const reconciler = reconcilerOver(api, {
    registry: jobRegistry({ getStatus: async () => running, create }),
    policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
    executionNamespace: 'kubernaut-workflows',
    watchedEngines: new Set(['job']),
    cooldownMs: 5 * 60_000,
    events: events as unknown as EventRecorder,
    ...(eventMode ? { eventMode } : {}),
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  // The retried start sets the same condition and records its Events under the same keys.
  api.state.failWrites = true;
  await expect(reconciler.reconcile('team-a/warned', ctx())).rejects.toThrow('no answer');
  api.state.failWrites = false;
  await reconciler.reconcile('team-a/warned', ctx());
  await reconciler.reconcile('team-a/warned', ctx());
  const status = api.state.stored.status as {
    phase: string;
    conditions: { type: string; status: string; reason: string; message: string }[];
  };
  return { status, recorded, writes: api.patch.mock.calls.length };
}

describe('a condition warning of the create', () => {
  it("UT-WE-501-008 (kubernaut's finalizePendingToRunning): under lifecycle, a True condition on the Running write and a Warning Event with its reason and message", async () => {
    const { status, recorded } = await started('lifecycle', [tokenTTL, plain]);
    expect(status.phase).toBe('Running');
    expect(status.conditions.filter((c) => c.type === 'TokenTTLInsufficient')).toEqual([
      {
        type: 'TokenTTLInsufficient',
        status: 'True',
        reason: 'TokenTTLShortened',
        message: tokenTTL.message,
        lastTransitionTime: '2026-01-01T00:00:00Z',
        observedGeneration: 1,
      },
    ]);
    expect(recorded).toEqual([
      'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
      `Warning TokenTTLShortened: ${tokenTTL.message}`,
      'Normal ExecutionCreated: Created job execution resource kubernaut-workflows/wfe-0123456789abcdef',
      `Warning ExecutionWarning: The job engine created the execution with warnings: ${plain}`,
      'Normal PhaseTransition: Phase transition: Pending → Running',
    ]);
  });

  it('under outcome (the default), the same condition, and the warning told in the one ExecutionWarning Event', async () => {
    const { status, recorded } = await started(undefined, [tokenTTL, plain]);
    expect(status.conditions).toContainEqual(
      expect.objectContaining({ type: 'TokenTTLInsufficient', status: 'True' }),
    );
    expect(recorded).toEqual([
      'Warning ExecutionWarning: The job engine created the execution with warnings: ' +
        `TokenTTLShortened: ${tokenTTL.message}; ${plain}`,
    ]);
  });

  it('costs no request more than a start without warnings: the condition rides the Running write', async () => {
    for (const eventMode of ['lifecycle', 'outcome'] as const) {
      const quiet = await started(eventMode, []);
      const warned = await started(eventMode, [tokenTTL]);
      expect(warned.writes).toBe(quiet.writes);
      // Under lifecycle its own Event; under outcome the ExecutionWarning a plain one would cost.
      expect(warned.recorded.length).toBe(quiet.recorded.length + 1);
    }
  });

  it("tells in words, never as a condition, one the API server would refuse or that would overwrite the controller's own", async () => {
    const spaced = { type: 'Token TTL', reason: 'Shortened', message: 'spaced' };
    const ready = { type: 'Ready', reason: 'Shortened', message: 'not the controller' };
    const { status, recorded } = await started('lifecycle', [spaced, ready]);
    expect(status.conditions.map((c) => c.type)).not.toContain('Token TTL');
    expect(status.conditions.find((c) => c.type === 'Ready')?.reason).toBe('NotReady');
    expect(recorded).toContain(
      'Warning ExecutionWarning: The job engine created the execution with warnings: ' +
        'Shortened: spaced; Shortened: not the controller',
    );
  });
});
