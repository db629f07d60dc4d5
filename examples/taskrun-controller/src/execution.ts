import type { WorkflowExecution } from '@roundhouse/core';
import type { TaskRun } from '@roundhouse/pod';
import { type PodConfig, podEngine, taskRuns } from '@roundhouse/pod';

/**
 * A TaskRun as the pod engine sees it, through the core Executor contract: a
 * WorkflowExecution-shaped value with the run's apiVersion, kind, name and uid (so the Pod's
 * owner labels and ownerReference point at the run, and a run created again under the same
 * name never adopts its predecessor's Pod), targeting the run itself (so the lock, and the
 * Pod's name, is one per TaskRun). `steps` are needed to create the Pod, and `timeout` (the
 * run's own, or the operator's default) becomes its deadline, ended by `timesOutAt` (RFC 3339)
 * when that comes first: the deadline of a run held before its Pod was created. Reading its
 * status or deleting it needs none of them.
 */
export function taskRunExecution(
  run: TaskRun,
  steps?: PodConfig,
  timeout: string | undefined = run.spec.timeout,
  timesOutAt?: string | undefined,
): WorkflowExecution {
  const { name, namespace, uid } = run.metadata;
  return {
    apiVersion: `${taskRuns.group}/${taskRuns.version}`,
    kind: taskRuns.kind,
    metadata: { name, namespace, ...(uid ? { uid } : {}) },
    spec: {
      workflowRef: {
        workflowId: run.spec.taskRef.name,
        // A Task has no versions; the Pod runs the steps as they were when it was created.
        version: '1',
        // The pod engine runs each step's own image; the bundle only names the workflow.
        executionBundle: steps?.steps[0]?.image ?? '',
        ...(steps ? { engineConfig: { ...steps } } : {}),
      },
      targetResource: `${namespace}/taskrun/${name}`,
      executionEngine: podEngine,
      ...(timeout ? { executionConfig: { timeout } } : {}),
      ...(timesOutAt ? { timesOutAt } : {}),
    },
  };
}
