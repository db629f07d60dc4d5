import { randomBytes } from 'node:crypto';
import type { WorkflowExecution } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';

/**
 * Test executions, and stand-ins for the Tekton controller for runs without real Tekton (the
 * test-only CRDs): tests write what Tekton would write, through the status subresource as
 * Tekton does.
 */

/** A WorkflowExecution on a target no other call uses, so tests never share a lock. */
export function makeExecution(
  options: {
    name?: string;
    targetResource?: string;
    /** The execution bundle; default one no registry serves. */
    bundle?: string;
    spec?: Partial<WorkflowExecution['spec']>;
  } = {},
): WorkflowExecution {
  const id = randomBytes(4).toString('hex');
  return {
    // A uid as a stored execution has: under the Roundhouse conventions one without owns nothing.
    metadata: { name: options.name ?? `wfe-${id}`, namespace: 'team-a', uid: `uid-${id}` },
    spec: {
      workflowRef: {
        workflowId: 'restart-pod',
        version: '1',
        executionBundle: options.bundle ?? 'registry.example/workflows/restart:1',
      },
      targetResource: options.targetResource ?? `team-a/deployment/app-${id}`,
      executionEngine: 'tekton',
      parameters: { REPLICAS: '3' },
      ...options.spec,
    },
  };
}

export interface SucceededCondition {
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message?: string;
}

/** Sets a PipelineRun's Succeeded condition and, optionally, the TaskRuns it has started. */
export async function setPipelineRunStatus(
  client: KubeClient,
  namespace: string,
  name: string,
  condition: SucceededCondition,
  tasks?: readonly string[],
): Promise<void> {
  await client.patch(
    resources.pipelineRuns,
    namespace,
    name,
    {
      status: {
        conditions: [
          {
            type: 'Succeeded',
            lastTransitionTime: new Date().toISOString(),
            message: '',
            ...condition,
          },
        ],
        ...(tasks
          ? {
              childReferences: tasks.map((task) => ({
                apiVersion: 'tekton.dev/v1',
                kind: 'TaskRun',
                name: `${name}-${task}`,
                pipelineTaskName: task,
              })),
            }
          : {}),
      },
    },
    { subresource: 'status' },
  );
}

export interface StepExit {
  readonly name: string;
  readonly exitCode: number;
  readonly reason: string;
}

const taskRunReasons = { True: 'Succeeded', False: 'Failed', Unknown: 'Running' } as const;

/** Sets a TaskRun's Succeeded condition and how its steps exited. */
export async function setTaskRunStatus(
  client: KubeClient,
  namespace: string,
  name: string,
  status: SucceededCondition['status'],
  steps: readonly StepExit[] = [],
): Promise<void> {
  await client.patch(
    resources.taskRuns,
    namespace,
    name,
    {
      status: {
        conditions: [{ type: 'Succeeded', status, reason: taskRunReasons[status] }],
        steps: steps.map((s) => ({
          name: s.name,
          container: `step-${s.name}`,
          terminated: { exitCode: s.exitCode, reason: s.reason },
        })),
      },
    },
    { subresource: 'status' },
  );
}

/**
 * Creates the TaskRun Tekton would make for `task`, labelled as Tekton labels it unless
 * `labelled` is false (as kubernaut's tests make TaskRuns).
 */
export async function addTaskRun(
  client: KubeClient,
  namespace: string,
  pipelineRun: string,
  task: string,
  status: SucceededCondition['status'],
  steps: readonly StepExit[] = [],
  { labelled = true }: { labelled?: boolean } = {},
): Promise<string> {
  const name = `${pipelineRun}-${task}`;
  await client.create(resources.taskRuns, namespace, {
    metadata: {
      name,
      ...(labelled
        ? { labels: { 'tekton.dev/pipelineRun': pipelineRun, 'tekton.dev/pipelineTask': task } }
        : {}),
    },
    spec: { taskRef: { name: task } },
  });
  await setTaskRunStatus(client, namespace, name, status, steps);
  return name;
}
