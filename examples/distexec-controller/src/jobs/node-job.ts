import type { V1Affinity, V1Job } from '@kubernetes/client-node';
import {
  ConfigurationError,
  checkStoredObjectSize,
  type ExecutionResult,
  toFieldIssues,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  buildJob,
  isJobFinished,
  type JobSettings,
  JobStateSchema,
  jobResult,
  kubeletLiteral,
  readJobFailure,
} from '@roundhouse/job';
import { type KubeObject, type Reader, type ResourceEngine, resources } from '@roundhouse/kube';
import { z } from 'zod';
import type { Observation } from '../plan.js';
import { argvOf, type DistExecSpec, type DistExecView, programField } from '../spec.js';
import { neverHadPod, withPodRefusal } from './pod-refusal.js';

export const nodeJobEngine = 'distexec-job';

/**
 * What a node's Job runs, carried in the execution's `engineConfig`, and the DistExec field it
 * came from, which a refusal of the Job names.
 */
const NodeRunSchema = z.object({
  node: z.string().min(1),
  argv: z.array(z.string()).min(1),
  field: z.enum(['command', 'argv', 'shell']),
});

/**
 * One attempt on one node as the job engine sees it: a WorkflowExecution-shaped value owned
 * by the DistExec (its name, namespace and uid, so its Jobs map back to it and a re-created
 * DistExec never adopts its predecessor's Jobs), whose target is the attempt itself, so every
 * (node, generation, attempt) has its own lock and Job name.
 */
export function nodeExecution(
  view: DistExecView,
  spec: DistExecSpec,
  node: string,
  attempt: number,
  defaultImage: string,
): WorkflowExecution {
  const { name, namespace, uid } = view.metadata;
  return {
    metadata: { name, namespace, ...(uid ? { uid } : {}) },
    spec: {
      workflowRef: {
        workflowId: 'distexec',
        version: String(view.generation),
        executionBundle: spec.image ?? defaultImage,
        engineConfig: { node, argv: argvOf(spec), field: programField(spec) },
      },
      targetResource: nodeTarget(namespace, name, node, view.generation, attempt),
      executionEngine: nodeJobEngine,
      parameters: {
        NODE_NAME: node,
        DISTEXEC_NAMESPACE: namespace,
        DISTEXEC_NAME: name,
        DISTEXEC_GENERATION: String(view.generation),
        DISTEXEC_ATTEMPT: String(attempt),
      },
      ...(spec.timeoutSeconds ? { executionConfig: { timeout: `${spec.timeoutSeconds}s` } } : {}),
    },
  };
}

/**
 * `<namespace>/distexec/<name>.<node>.n<length of node>.g<generation>.a<attempt>`: the attempt's
 * lock target. Names and node names both hold dots, so without the node's length DistExec "web"
 * on node "a.example" and "web.a" on "example" would share one lock, and one Job name.
 */
export function nodeTarget(
  namespace: string,
  name: string,
  node: string,
  generation: number,
  attempt: number,
): string {
  return `${namespace}/distexec/${name}.${node}.n${node.length}.g${generation}.a${attempt}`;
}

/** The node, generation and attempt a node Job's target names; undefined for another target. */
export function parseNodeTarget(
  target: string | undefined,
  namespace: string,
  name: string,
): { node: string; generation: number; attempt: number } | undefined {
  const prefix = `${namespace}/distexec/${name}.`;
  if (!target?.startsWith(prefix)) return undefined;
  const match = /^(.+)\.n(\d+)\.g(\d+)\.a(\d+)$/.exec(target.slice(prefix.length));
  if (!match || match[1]?.length !== Number(match[2])) return undefined;
  return { node: match[1], generation: Number(match[3]), attempt: Number(match[4]) };
}

/**
 * The job engine's Job, pinned to the node by node affinity on its name, as a DaemonSet's pods
 * are, running the DistExec's argv as the container's command, with no API token. The scheduler
 * places the pod, so a node's taints (only the operator's tolerations, `settings.pod`, are
 * added), its cordon and its free resources are honoured, as `nodeName` would bypass them. A
 * failed container's last log lines become its termination message, which the status reads
 * back, since no log is kept once the pod is gone.
 */
export function buildNodeJob(
  wfe: WorkflowExecution,
  namespace: string,
  settings: JobSettings,
): V1Job {
  const parsed = NodeRunSchema.safeParse(wfe.spec.workflowRef.engineConfig);
  if (!parsed.success) {
    throw new ConfigurationError(
      toFieldIssues(
        parsed.error,
        'spec.workflowRef.engineConfig',
        wfe.spec.workflowRef.engineConfig,
      ),
    );
  }
  const run = parsed.data;
  const job = buildJob(wfe, namespace, undefined, settings);
  // buildJob always builds a pod template with its one `workflow` container.
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0]!;
  const nodeJob: V1Job = {
    ...job,
    spec: {
      ...job.spec!,
      template: {
        ...job.spec!.template,
        spec: {
          ...pod,
          // The command is the DistExec author's: a token would hand them the runner's rights.
          // Said on the pod, so a runner ServiceAccount that mounts one by default gives none.
          automountServiceAccountToken: false,
          affinity: pinnedTo(run.node, pod.affinity),
          containers: [
            {
              ...container,
              // The argv is the author's text: the kubelet must not expand `$(NAME)` in it.
              command: run.argv.map(kubeletLiteral),
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
        },
      },
    },
  };
  // The argv a DistExec may hold (256 arguments of 4,096 characters) fits in it, but not in a
  // Job once every "$" is doubled: the API server would refuse every create of it with an
  // answer that reads as passing, and the node would be retried for ever instead of failing.
  checkStoredObjectSize(
    nodeJob,
    'Job',
    `spec.${run.field}`,
    'the Job carries the whole command, each "$" in it doubled so the kubelet passes it on unexpanded; use a shorter command, or put the work in a script in the image',
  );
  return nodeJob;
}

/**
 * `affinity` with its required node terms each narrowed to the node named `node` (matchFields
 * on `metadata.name`, which names the node whatever its labels, added to the operator's own
 * matchFields, which still apply), as the DaemonSet controller
 * pins its pods; one term of only that when there are none.
 */
function pinnedTo(node: string, affinity: V1Affinity | undefined): V1Affinity {
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const byName = [{ key: 'metadata.name', operator: 'In', values: [node] }];
  const terms = required?.nodeSelectorTerms.length ? required.nodeSelectorTerms : [{}];
  return {
    ...affinity,
    nodeAffinity: {
      ...affinity?.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((term) => ({
          ...term,
          matchFields: [...(term.matchFields ?? []), ...byName],
        })),
      },
    },
  };
}

type JobObject = KubeObject & { status?: unknown };

/**
 * The job engine's contract for node Jobs: `@roundhouse/job`'s builder and status mapping,
 * with the pinning above. (`JobExecutor` itself neither pins a node nor sets a command.)
 * `apiServer` is the client the executor over it is given: a failure the controller's cache
 * cannot explain is read from it, as the job engine's own are (`readJobFailure`).
 */
export function nodeJobResourceEngine(
  settings: JobSettings,
  apiServer: Reader,
): ResourceEngine<JobObject> {
  return {
    engine: nodeJobEngine,
    type: resources.jobs,
    build: (wfe, namespace) => buildNodeJob(wfe, namespace, settings) as JobObject,
    isFinished: (job) => isJobFinished(JobStateSchema.parse(job)),
    async result(job, context): Promise<ExecutionResult> {
      const state = JobStateSchema.parse(job);
      const result = jobResult(state);
      if (result.phase !== 'Failed') return result;
      // A failure needs the pod: its container's exit code and termination message say why.
      // Asked with `jobPodsRead`'s selectors, so the controller's pod cache answers; a Job it
      // shows failed before its pod is read from the API server, or the node's entry, written
      // once, would keep no exit code.
      const failed = await readJobFailure(state, context, apiServer, settings.conventions);
      // Without a pod ever, only the Job controller's Events say why (a pod quota full).
      return neverHadPod(state)
        ? withPodRefusal(failed.result, job, failed.context)
        : failed.result;
    },
  };
}

/** A node Job's status as an observation of its attempt; `null` is a Job that is gone. */
export function observeJob(result: ExecutionResult | null): Observation {
  if (!result) return { kind: 'none' };
  if (result.phase === 'Pending' || result.phase === 'Running') return { kind: 'running' };
  const succeeded = result.phase === 'Completed';
  return {
    kind: 'finished',
    outcome: {
      succeeded,
      reason: succeeded
        ? 'Completed'
        : result.failureReason === 'DeadlineExceeded'
          ? 'Timeout'
          : result.reason,
      ...(succeeded ? {} : { message: result.message }),
      ...(succeeded
        ? { exitCode: 0 }
        : result.exitCode !== undefined
          ? { exitCode: result.exitCode }
          : {}),
    },
  };
}
