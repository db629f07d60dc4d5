/*
 * An execution that names no engine, under kubernaut's group and under Roundhouse's: kubernaut's
 * controller refuses it since its #1661 (UT-WE-1661-011-002, validateExecutionEngineResolved;
 * UT-WE-659-003, pkg/workflowexecution/controller_events_test.go at d5a4a87), where Roundhouse's
 * own CRD takes it as `tekton`.
 */
import type { EventRecorder } from '@roundhouse/controller';
import type { WorkflowExecution } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import {
  reconcileContext as ctx,
  engineRunning,
  jobRegistry,
  reconcilerOver,
  keyedRecorder as recorder,
} from './reconciler.test-support.js';
import { workflowExecutionApi } from './resource.js';

/** An execution as `group` stores it, naming its engine in workflowRef only if `engine` is given. */
function execution(group: string, engine?: string): KubeObject {
  const stored = storedExecution('wfe-1', {});
  const { executionEngine: _, workflowRef, ...spec } = stored.spec as Record<string, unknown>;
  return {
    ...stored,
    apiVersion: `${group}/v1alpha1`,
    spec: {
      ...spec,
      workflowRef: { ...(workflowRef as object), ...(engine ? { executionEngine: engine } : {}) },
    },
  };
}

/** `stored` Running since now, on the resource `ref` names if given. */
function running(stored: KubeObject, ref?: string): KubeObject {
  return {
    ...stored,
    status: {
      phase: 'Running',
      startTime: new Date().toISOString(),
      ...(ref ? { executionRef: { name: ref } } : {}),
      conditions: [],
    },
  };
}

/**
 * A controller of `group` under lifecycle Events, whose tekton engine records its creates and
 * status reads (the job engine alone with `tektonRegistered` false).
 */
function controllerOf(
  stored: KubeObject,
  group: string,
  engineRequired?: boolean,
  tektonRegistered = true,
) {
  const api = executionServer(stored);
  const { events, recorded } = recorder();
  const create = vi.fn(async () => ({ resourceName: 'wfe-0123456789abcdef', warnings: [] }));
  const getStatus = vi.fn(async () => engineRunning);
  const reconciler = reconcilerOver(api, {
    api: workflowExecutionApi(group),
    registry: tektonRegistered
      ? jobRegistry({ engine: 'tekton', create, getStatus })
      : jobRegistry({ create, getStatus }),
    executionNamespace: 'kubernaut-workflows',
    events: events as unknown as EventRecorder,
    eventMode: 'lifecycle',
    ...(engineRequired !== undefined ? { engineRequired } : {}),
  });
  const status = () => api.state.stored.status as WorkflowExecution['status'];
  return { reconciler, recorded, create, getStatus, status };
}

describe('an execution that names no engine', () => {
  it('UT-WE-1661-011-002 / UT-WE-659-003: under kubernaut.ai fails ConfigurationError before anything is created, in kubernaut words and Events', async () => {
    const { reconciler, recorded, create, status } = controllerOf(
      execution('kubernaut.ai'),
      'kubernaut.ai',
    );
    await reconciler.reconcile('team-a/wfe-1', ctx());
    const message =
      'spec.workflowRef.executionEngine: execution engine not declared for WFE team-a/wfe-1 — expected on spec.workflowRef at creation time';
    expect(create).not.toHaveBeenCalled();
    expect(status()?.phase).toBe('Failed');
    expect(status()?.failureDetails).toMatchObject({
      reason: 'ConfigurationError',
      message,
      wasExecutionFailure: false,
    });
    expect(status()?.conditions?.find((c) => c.type === 'ExecutionCreated')).toMatchObject({
      status: 'False',
      reason: 'ExecutionCreationFailed',
      message: `Failed to create PipelineRun: ${message}`,
    });
    expect(recorded).toEqual([
      'Normal WorkflowValidated: Workflow spec validated: restart-pod (target: team-a/deployment/app)',
      `Warning WorkflowValidationFailed: Workflow catalog resolution failed: ${message}`,
      `Warning WorkflowFailed: Pre-execution failure: ConfigurationError - ${message}`,
      'Normal PhaseTransition: Phase transition: Pending → Failed',
    ]);
  });

  it('UT-WE-1661-011-001: under kubernaut.ai runs when workflowRef names it', async () => {
    const { reconciler, create, status } = controllerOf(
      execution('kubernaut.ai', 'tekton'),
      'kubernaut.ai',
    );
    await reconciler.reconcile('team-a/wfe-1', ctx());
    expect(create).toHaveBeenCalledOnce();
    expect(status()?.phase).toBe('Running');
  });

  it('runs as tekton under roundhouse.dev, whose CRD takes none as tekton, unless engineRequired says otherwise', async () => {
    const roundhouse = controllerOf(execution('roundhouse.dev'), 'roundhouse.dev');
    await roundhouse.reconciler.reconcile('team-a/wfe-1', ctx());
    expect(roundhouse.create).toHaveBeenCalledOnce();
    expect(roundhouse.status()?.phase).toBe('Running');

    const required = controllerOf(execution('roundhouse.dev'), 'roundhouse.dev', true);
    await required.reconciler.reconcile('team-a/wfe-1', ctx());
    expect(required.create).not.toHaveBeenCalled();
    expect(required.status()?.failureDetails?.reason).toBe('ConfigurationError');

    const notRequired = controllerOf(execution('kubernaut.ai'), 'kubernaut.ai', false);
    await notRequired.reconciler.reconcile('team-a/wfe-1', ctx());
    expect(notRequired.create).toHaveBeenCalledOnce();
  });
  it('UT-WE-659-005: Running under kubernaut.ai with no resource recorded fails ConfigurationError with a WorkflowFailed Event, no engine asked, whichever engines are registered', async () => {
    const message =
      'spec.workflowRef.executionEngine: execution engine not declared for WFE team-a/wfe-1 — expected on spec.workflowRef at creation time';
    for (const tektonRegistered of [false, true]) {
      const { reconciler, recorded, getStatus, status } = controllerOf(
        running(execution('kubernaut.ai')),
        'kubernaut.ai',
        undefined,
        tektonRegistered,
      );
      await reconciler.reconcile('team-a/wfe-1', ctx());
      expect(getStatus).not.toHaveBeenCalled();
      expect(status()?.phase).toBe('Failed');
      expect(status()?.failureDetails).toMatchObject({
        reason: 'ConfigurationError',
        message,
        wasExecutionFailure: false,
      });
      expect(recorded).toEqual([
        expect.stringMatching(/^Warning WorkflowFailed: .*ConfigurationError - spec\.workflowRef/),
        'Normal PhaseTransition: Phase transition: Running → Failed',
      ]);
    }
  });

  it('follows as tekton a Running execution under kubernaut.ai that names no engine but records its resource: a version before engineRequired started it so', async () => {
    const { reconciler, getStatus, status } = controllerOf(
      running(execution('kubernaut.ai'), 'wfe-0123456789abcdef'),
      'kubernaut.ai',
    );
    await reconciler.reconcile('team-a/wfe-1', ctx());
    expect(getStatus).toHaveBeenCalled();
    expect(status()?.phase).toBe('Running');
  });
});
