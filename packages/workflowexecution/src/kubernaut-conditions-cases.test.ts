/*
 * kubernaut's un-numbered unit cases of its controller at d5a4a87 that no other file of ours
 * runs through the reconciler: pkg/workflowexecution/validation_test.go's specs, refused with
 * nothing created, in its ValidateSpec words after the field's path (its tests match
 * substrings). Its conditions_test.go cases are @roundhouse/controller's conditions.test.ts and
 * status.test.ts here; its controller_events_test.go ones reconciler-events.test.ts.
 */
import type { EventRecorder } from '@roundhouse/controller';
import type { WorkflowExecution } from '@roundhouse/core';
import { describe, expect, it, vi } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import {
  reconcileContext as ctx,
  engineRunning,
  jobRegistry,
  reconcilerOver,
  keyedRecorder as recorder,
} from './reconciler.test-support.js';

const bundle = 'ghcr.io/kubernaut/workflows/restart-pod:v1.0.0';
const format =
  'targetResource must be in format {namespace}/{kind}/{name} (namespaced) or {kind}/{name} (cluster-scoped)';

/** A stored execution (as on kubernaut's own CRD, which checks neither field) reconciled once. */
async function reconciled(spec: Record<string, unknown>) {
  const api = executionServer(storedExecution('wfe', spec));
  const { events, recorded } = recorder();
  const create = vi.fn(async () => ({ resourceName: 'wfe-0123456789abcdef', warnings: [] }));
  const reconciler = reconcilerOver(api, {
    registry: jobRegistry({ create, getStatus: async () => engineRunning }),
    policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
    executionNamespace: 'kubernaut-workflows',
    watchedEngines: new Set(['job']),
    cooldownMs: 5 * 60_000,
    events: events as unknown as EventRecorder,
    eventMode: 'lifecycle',
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  await reconciler.reconcile('team-a/wfe', ctx());
  return { status: api.state.stored.status as WorkflowExecution['status'], recorded, create };
}

describe('kubernaut validation_test.go: WorkflowExecution ValidateSpec - Edge Cases', () => {
  it.each([
    [
      'should reject empty container image',
      { workflowRef: { workflowId: 'restart-pod', version: '', executionBundle: '' } },
      'spec.workflowRef.executionBundle: workflowRef.executionBundle is required',
    ],
    [
      'should reject empty target resource',
      { targetResource: '' },
      'spec.targetResource: targetResource is required',
    ],
    [
      'should reject target resource with single part (invalid format)',
      { targetResource: 'deployment-only' },
      `spec.targetResource: ${format}, got 1 parts`,
    ],
    [
      'should reject target resource with too many parts (invalid format)',
      { targetResource: 'default/apps/deployment/test-app' },
      `spec.targetResource: ${format}, got 4 parts`,
    ],
    [
      'should reject target resource with empty part',
      { targetResource: 'default/deployment/' },
      'spec.targetResource: targetResource has empty part at position 2',
    ],
  ])(
    '"%s" / "should fail fast at validation, preventing wasted PipelineRun creation": Failed ConfigurationError in its words, nothing created',
    async (_title, spec, message) => {
      const { status, recorded, create } = await reconciled(spec);
      expect(create).not.toHaveBeenCalled();
      expect(status?.phase).toBe('Failed');
      expect(status?.failureDetails).toMatchObject({
        reason: 'ConfigurationError',
        message,
        wasExecutionFailure: false,
      });
      expect(recorded).toEqual([
        `Warning WorkflowValidationFailed: Spec validation failed: ${message}`,
        `Warning WorkflowFailed: Pre-execution failure: ConfigurationError - ${message}`,
        'Normal PhaseTransition: Phase transition: Pending → Failed',
      ]);
    },
  );

  it.each([
    [
      'should accept valid container image',
      { workflowRef: { workflowId: 'restart-pod', version: '', executionBundle: bundle } },
    ],
    [
      'should accept valid cluster-scoped target resource (2 parts)',
      { targetResource: 'node/worker-node-1' },
    ],
    [
      'should accept valid namespaced target resource (3 parts)',
      { targetResource: 'default/deployment/test-app' },
    ],
  ])('"%s": validated, and its resource created', async (_title, spec) => {
    const { recorded, create } = await reconciled(spec);
    expect(recorded[0]).toMatch(/^Normal WorkflowValidated: Workflow spec validated: restart-pod/);
    expect(create).toHaveBeenCalledOnce();
  });
});
