import { executionResourceName, kubernautConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { resources } from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { describe, expect, it } from 'vitest';
import { TektonExecutor } from './tekton-executor.js';

/*
 * kubernaut's un-numbered reconciler cases at d5a4a87 (pkg/workflowexecution/controller_test.go)
 * that are the tekton engine's with the kubernaut preset: how the PipelineRun is named
 * (pipelineRunName), whether a failed run started (determineWasExecutionFailure) and how a run
 * that never started is classified (mapTektonReasonToFailureReason). Its other Tekton-side
 * blocks are kubernaut-executor-cases.test.ts and status.test.ts.
 */

const executionNamespace = 'kubernaut-workflows';

/** The tekton engine under the kubernaut preset, and kubernaut's execution on `target`. */
async function createdRun(target = 'default/deployment/my-app') {
  const api = new MemoryKubeClient();
  const executor = new TektonExecutor(api, { conventions: kubernautConventions });
  const wfe = sampleExecution({
    name: 'test-wfe',
    namespace: 'default',
    spec: {
      workflowRef: {
        workflowId: 'restart-deployment',
        version: '1.0.0',
        executionBundle: 'ghcr.io/kubernaut/workflows/restart:v1.0.0',
      },
      targetResource: target,
      executionEngine: 'tekton',
    },
  });
  const { resourceName } = await executor.create(wfe, executionNamespace);
  return { api, executor, wfe, resourceName };
}

/** Creates the PipelineRun of an execution on `target`, and says its name. */
async function runNameFor(target: string): Promise<string> {
  const { api, resourceName } = await createdRun(target);
  expect(api.object(resources.pipelineRuns, executionNamespace, resourceName)).toBeDefined();
  return resourceName;
}

/** What the engine reads of the execution's run once Tekton wrote `status` on it. */
async function resultOf(status: object) {
  const { api, executor, wfe, resourceName } = await createdRun();
  api.setStatus(resources.pipelineRuns, executionNamespace, resourceName, status);
  return executor.getStatus(
    { ...wfe, status: { executionRef: { name: resourceName } } },
    executionNamespace,
  );
}

/*
 * The run is named wfe- and 16 lowercase hex characters of the target, the same name for the
 * same target, so a second execution on a target finds the first one's run (the lock).
 */
describe("kubernaut's pipelineRunName cases (controller_test.go)", () => {
  it.each([
    ['standard deployment', 'default/deployment/nginx'],
    ['statefulset resource', 'prod/statefulset/postgres'],
    ['daemonset resource', 'kube-system/daemonset/fluentd'],
    ['namespace with dash', 'ns-1/deployment/app'],
    ['namespace with numbers', 'ns123/deployment/app'],
    ['single char namespace', 'a/deployment/app'],
    ['resource with dash', 'default/deployment/my-app'],
    ['resource with numbers', 'default/deployment/app123'],
    [
      'long resource name',
      'very-long-namespace/deployment/very-long-deployment-name-that-exceeds-normal-limits',
    ],
    ['replicaset kind', 'default/replicaset/my-rs'],
    ['pod kind', 'default/pod/my-pod'],
    ['multiple dashes', 'ns-1-2/deployment/app-1-2'],
  ])(
    '"determinism and uniqueness edge cases", %s: names the run wfe- and 16 lowercase hex characters, the same each time',
    async (_entry, target) => {
      const name = await runNameFor(target);
      expect(name).toMatch(/^wfe-[0-9a-f]{16}$/);
      expect(await runNameFor(target)).toBe(name);
      expect(name).toBe(executionResourceName(target));
    },
  );

  it('"should generate different names for different targetResources"', async () => {
    const names = await Promise.all(
      ['ns1/deployment/app1', 'ns1/deployment/app2', 'ns2/deployment/app1'].map(runNameFor),
    );
    expect(new Set(names).size).toBe(3);
  });
});

/*
 * kubernaut's determineWasExecutionFailure cases (controller_test.go, "determineWasExecutionFailure
 * - Edge Cases via ExtractFailureDetails"): whether the run started, which with the failure's
 * class decides failureDetails.wasExecutionFailure (the controller's ranWorkflow, whose cases
 * are its failure.test.ts).
 */
describe("kubernaut's determineWasExecutionFailure cases (controller_test.go)", () => {
  const failed = (message: string) => ({
    conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message }],
  });

  it.each([
    ['ImagePullBackOff: failed to pull image', 'ImagePullBackOff'],
    ['Invalid configuration detected', 'ConfigurationError'],
    ['Resource quota exceeded', 'ResourceExhausted'],
  ])(
    '"should detect %s as pre-execution even when StartTime is set": started, classified %s',
    async (message, failureReason) => {
      expect(
        await resultOf({ ...failed(message), startTime: '2026-01-01T00:00:00Z' }),
      ).toMatchObject({ phase: 'Failed', started: true, failureReason });
    },
  );

  it('"should detect execution started when ChildReferences has TaskRun entries": started without a start time, Unknown', async () => {
    const result = await resultOf({
      ...failed('Unknown failure'),
      childReferences: [{ apiVersion: 'tekton.dev/v1', kind: 'TaskRun', name: 'task-1' }],
    });
    expect(result).toMatchObject({ phase: 'Failed', started: true, failureReason: 'Unknown' });
  });

  it.each([
    ['Unknown failure', 'Unknown'],
    ['OOMKilled: container exceeded memory limit', 'OOMKilled'],
    ['Pipeline timeout: deadline exceeded', 'DeadlineExceeded'],
  ])(
    '"should detect pre-execution when ChildReferences is empty and no StartTime", and OOMKilled, DeadlineExceeded "even without StartTime": %s is not started, classified %s',
    async (message, failureReason) => {
      const result = await resultOf({ ...failed(message), childReferences: [] });
      expect(result).toMatchObject({ phase: 'Failed', started: false });
      expect(result?.failureReason ?? 'Unknown').toBe(failureReason);
    },
  );
});

/*
 * kubernaut's mapTektonReasonToFailureReason cases (controller_test.go, "mapTektonReasonToFailureReason
 * - Failure Reason Mapping"): a run that never started, only its Succeeded condition's reason
 * and message to go by.
 */
describe("kubernaut's mapTektonReasonToFailureReason cases (controller_test.go)", () => {
  it.each([
    ['TaskRunFailed', 'Failed to pull image: ImagePullBackOff', 'ImagePullBackOff'],
    [
      'TaskRunFailed',
      'Invalid pipeline configuration: missing required parameter',
      'ConfigurationError',
    ],
    ['TaskRunFailed', 'Resource quota exceeded: insufficient CPU', 'ResourceExhausted'],
    ['TaskRunFailed', 'Container terminated: OOMKilled', 'OOMKilled'],
    ['TaskRunTimeout', 'Pipeline execution exceeded deadline', 'DeadlineExceeded'],
    ['TaskRunFailed', 'Forbidden: service account lacks RBAC permissions', 'Forbidden'],
  ])('%s, %j: %s', async (reason, message, failureReason) => {
    const result = await resultOf({
      conditions: [{ type: 'Succeeded', status: 'False', reason, message }],
    });
    expect(result).toMatchObject({ phase: 'Failed', reason, failureReason });
  });
});

/*
 * kubernaut's BuildPipelineRunStatusSummary cases (controller_test.go): status.executionStatus
 * as the engine reads it from the run, its children and their TaskRuns.
 */
describe("kubernaut's BuildPipelineRunStatusSummary cases (controller_test.go)", () => {
  it('"should return summary with Running status when no Succeeded condition": Unknown', async () => {
    expect((await resultOf({}))?.summary).toMatchObject({ status: 'Unknown' });
  });

  it('"should extract status from Succeeded condition": its status, reason and message', async () => {
    const result = await resultOf({
      conditions: [
        { type: 'Succeeded', status: 'True', reason: 'Succeeded', message: 'All tasks completed' },
      ],
    });
    expect(result?.summary).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      message: 'All tasks completed',
    });
  });

  it('"CompletedTasks table-driven cases", "all tasks completed" and "0 tasks completed (still running)"', async () => {
    const { api, executor, wfe, resourceName } = await createdRun();
    const labels = api.object(resources.pipelineRuns, executionNamespace, resourceName)?.metadata
      ?.labels;
    for (const name of ['task-1', 'task-2'])
      api.put(resources.taskRuns, executionNamespace, {
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        metadata: {
          name,
          namespace: executionNamespace,
          labels: { ...labels, 'tekton.dev/pipelineRun': resourceName },
        },
        status: { conditions: [{ type: 'Succeeded', status: 'True' }] },
      });
    const read = (status: object) => {
      api.setStatus(resources.pipelineRuns, executionNamespace, resourceName, status);
      return executor.getStatus(
        { ...wfe, status: { executionRef: { name: resourceName } } },
        executionNamespace,
      );
    };
    const running = await read({
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
      childReferences: [],
    });
    expect(running?.summary?.completedTasks ?? 0).toBe(0);
    const done = await read({
      conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
      childReferences: ['task-1', 'task-2'].map((name) => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        name,
      })),
    });
    expect(done?.summary).toMatchObject({ status: 'True', totalTasks: 2, completedTasks: 2 });
  });
});
