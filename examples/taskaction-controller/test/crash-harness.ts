import { join } from 'node:path';
import { isKubernetesError, type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { ControllerProcess } from '../../../test/example-controller/controller-process.js';
import { cacheLabel, cacheNamespaceLabel } from '../src/cache.js';
import { exitPod } from './harness.js';

const main = new URL('../src/main.ts', import.meta.url).pathname;

/** The label and annotation the job engine puts on every attempt's Job. */
const attemptLabel = 'roundhouse.dev/workflow-execution';
const ownerUidAnnotation = 'roundhouse.dev/workflow-execution-uid';

/** The TaskAction controller's own main, from source, in one process a SIGKILL ends. */
export function startTaskActionMain(dir: string, flags: readonly string[]): ControllerProcess {
  return new ControllerProcess(process.execPath, [
    '--import=tsx',
    '--conditions=@roundhouse/source',
    main,
    `--kubeconfig=${join(dir, 'kubeconfig')}`,
    `--events-file=${join(dir, 'events.jsonl')}`,
    '--health-port=0',
    ...flags,
  ]);
}

/** What the watches saw from the start of the campaign on. */
export interface Sightings {
  /** Every Job uid ever created, by `<action uid> <attempt name>` (`<action>-<attempt - 1>`). */
  readonly jobsByAttempt: Map<string, Set<string>>;
  /** How often each cache entry was created, and deleted, by ConfigMap name. */
  readonly entriesAdded: Map<string, number>;
  entriesDeleted: number;
}

/**
 * Watches the Jobs of `executionNamespace` and the cache entries of `namespace`'s actions (which
 * live in `executionNamespace` too) until `signal` aborts: "one Job per action" and "each entry
 * written once" are counted from what they saw.
 */
export async function watchCampaign(
  client: KubeClient,
  namespace: string,
  executionNamespace: string,
  signal: AbortSignal,
): Promise<Sightings> {
  const seen: Sightings = { jobsByAttempt: new Map(), entriesAdded: new Map(), entriesDeleted: 0 };
  const jobs = await client.list(resources.jobs, executionNamespace);
  void client.watch<KubeObject>(
    resources.jobs,
    executionNamespace,
    ({ type, object }) => {
      const owner = object.metadata?.annotations?.[ownerUidAnnotation];
      const attempt = object.metadata?.labels?.[attemptLabel];
      const uid = object.metadata?.uid;
      if (type !== 'ADDED' || !owner || !attempt || !uid) return;
      const key = `${owner} ${attempt}`;
      seen.jobsByAttempt.set(key, (seen.jobsByAttempt.get(key) ?? new Set()).add(uid));
    },
    { resourceVersion: jobs.resourceVersion, signal, stallTimeoutMs: 600_000 },
  );
  const entrySelector = `${cacheLabel}=entry,${cacheNamespaceLabel}=${namespace}`;
  const entries = await client.list(resources.configMaps, executionNamespace, {
    labelSelector: entrySelector,
  });
  void client.watch<KubeObject>(
    resources.configMaps,
    executionNamespace,
    ({ type, object }) => {
      const name = object.metadata?.name;
      if (!name) return;
      if (type === 'ADDED') seen.entriesAdded.set(name, (seen.entriesAdded.get(name) ?? 0) + 1);
      if (type === 'DELETED') seen.entriesDeleted += 1;
    },
    {
      resourceVersion: entries.resourceVersion,
      labelSelector: entrySelector,
      signal,
      stallTimeoutMs: 600_000,
    },
  );
  return seen;
}

type Pod = KubeObject & { status?: { phase?: string } };
type Job = KubeObject & { status?: { succeeded?: number; failed?: number } };

/** The Jobs of `executionNamespace` now, with the uid of the action each belongs to. */
export async function liveJobs(client: KubeClient, executionNamespace: string) {
  const { items } = await client.list<Job>(resources.jobs, executionNamespace);
  return items.map((job) => ({
    job,
    owner: job.metadata?.annotations?.[ownerUidAnnotation],
    attempt: job.metadata?.labels?.[attemptLabel],
  }));
}

/**
 * Plays the kubelet for every running pod of a Job whose attempt `exitCodeOf` names (by the
 * action's uid and the attempt's name) and `pick` chooses: its container exits with that code, and the Job controller
 * finishes the Job, whether or not a TaskAction controller is up to see it.
 */
export async function finishRunningPods(
  client: KubeClient,
  executionNamespace: string,
  exitCodeOf: (actionUid: string, attemptName: string) => number | undefined,
  pick: () => boolean = () => true,
): Promise<void> {
  const jobs = await liveJobs(client, executionNamespace);
  const { items: pods } = await client.list<Pod>(resources.pods, executionNamespace);
  for (const { job, owner, attempt } of jobs) {
    const exitCode =
      owner === undefined || attempt === undefined ? undefined : exitCodeOf(owner, attempt);
    if (exitCode === undefined || job.metadata?.deletionTimestamp) continue;
    const pod = pods.find(
      (p) =>
        p.metadata?.labels?.['batch.kubernetes.io/job-name'] === job.metadata?.name &&
        p.metadata?.labels?.['batch.kubernetes.io/controller-uid'] === job.metadata?.uid,
    );
    if (pod?.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp || !pick()) continue;
    try {
      await exitPod(client, executionNamespace, pod.metadata?.name as string, exitCode);
    } catch (error) {
      // The pod went away meanwhile (its action was deleted): nothing left to finish.
      if (!isKubernetesError(error, 'NotFound')) throw error;
    }
  }
}
