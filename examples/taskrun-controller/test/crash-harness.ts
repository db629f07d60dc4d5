import { isKubernetesError, type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { containerOutcomes } from '@roundhouse/testenv/vitest';
import { ControllerProcess } from '../../../test/example-controller/controller-process.js';

const main = new URL('../src/main.ts', import.meta.url).pathname;

/**
 * The TaskRun controller's main from source, in one process (tsx's CLI would run it in a child
 * that a SIGKILL of the CLI leaves running).
 */
export function startTaskRunControllerProcess(flags: readonly string[]): ControllerProcess {
  return new ControllerProcess(process.execPath, [
    '--import=tsx',
    '--conditions=@roundhouse/source',
    main,
    ...flags,
  ]);
}

/** What a run's Pod is made to do: finish, fail at a step with a code, or run past the timeout. */
export type Plan =
  | { readonly task: 'sequential' | 'parallel'; readonly fail?: undefined; readonly hang?: false }
  | {
      readonly task: 'sequential' | 'parallel';
      readonly fail: { readonly step: string; readonly code: number };
      readonly hang?: false;
    }
  | { readonly task: 'sequential'; readonly fail?: undefined; readonly hang: true };

/** The campaign's Tasks: three steps in order (init containers), and two at once. */
export const sequentialSteps = ['fetch', 'build', 'report'] as const;
export const parallelSteps = ['lint', 'test'] as const;

type Pod = KubeObject & {
  spec?: {
    initContainers?: { name: string; image: string }[];
    containers?: { name: string; image: string }[];
  };
  status?: { phase?: string };
};

/** A Pod the API server announced: its name and the TaskRun (uid) owning it. */
export interface SeenPod {
  readonly name: string;
  readonly owner: string | undefined;
}

/**
 * Plays the kubelet for the campaign's Pods: once a Pod runs, it ends as its run's plan says
 * (after `delay()` ms, so some end while the controller is down). KWOK does not run init
 * containers, so a sequential Pod's container statuses are written here; a parallel Pod gets
 * KWOK's per-container outcome annotation. A Pod to hang is left running.
 */
async function drive(client: KubeClient, pod: Pod, plan: Plan): Promise<void> {
  const { namespace, name } = pod.metadata as { namespace: string; name: string };
  if (plan.hang) return;
  if (plan.task === 'parallel') {
    const outcomes = Object.fromEntries(
      parallelSteps.map((s) => [s, { exitCode: plan.fail?.step === s ? plan.fail.code : 0 }]),
    );
    await client.patch(
      resources.pods,
      namespace,
      name,
      { metadata: { annotations: containerOutcomes(outcomes) } },
      { strategy: 'merge' },
    );
    return;
  }
  const now = new Date().toISOString();
  const images = new Map(
    [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [
      c.name,
      c.image,
    ]),
  );
  const failedAt = plan.fail ? sequentialSteps.indexOf(plan.fail.step as 'fetch') : -1;
  // A step after the failed one never starts: the kubelet leaves it waiting.
  const stateOf = (i: number) => {
    if (failedAt >= 0 && i > failedAt) return { waiting: { reason: 'PodInitializing' } };
    const exitCode = i === failedAt ? (plan.fail?.code ?? 1) : 0;
    const reason = exitCode === 0 ? 'Completed' : 'Error';
    return { terminated: { exitCode, reason, startedAt: now, finishedAt: now } };
  };
  const all = sequentialSteps.map((step, i) => ({
    name: step,
    image: images.get(step) ?? '',
    imageID: '',
    ready: false,
    restartCount: 0,
    state: stateOf(i),
  }));
  await client.patch(
    resources.pods,
    namespace,
    name,
    {
      status: {
        phase: failedAt >= 0 ? 'Failed' : 'Succeeded',
        initContainerStatuses: all.slice(0, -1),
        containerStatuses: all.slice(-1),
      },
    },
    { subresource: 'status', strategy: 'merge' },
  );
}

/**
 * Watches the namespace's Pods from now until `signal` aborts: records every Pod the API server
 * announces (by Pod uid, with its owning run's uid), and ends each running one as `planOf` its
 * owner says. A Pod gone before it is driven (its run was deleted) is skipped; other failures
 * to drive one, and a watch that ends before `signal` aborts, are collected in `errors`.
 */
export async function watchPods(
  client: KubeClient,
  namespace: string,
  options: {
    readonly planOf: (ownerUid: string) => Plan | undefined;
    readonly delay: () => number;
    readonly signal: AbortSignal;
  },
): Promise<{ seen: Map<string, SeenPod>; errors: unknown[] }> {
  const seen = new Map<string, SeenPod>();
  const driven = new Set<string>();
  const errors: unknown[] = [];
  const { resourceVersion } = await client.list(resources.pods, namespace);
  const watching = client.watch<Pod>(
    resources.pods,
    namespace,
    ({ type, object }) => {
      const uid = object.metadata?.uid;
      if (!uid || type === 'DELETED' || type === 'BOOKMARK') return;
      const references = (object.metadata?.ownerReferences ?? []) as {
        kind?: string;
        uid?: string;
      }[];
      const owner = references.find((r) => r.kind === 'TaskRun')?.uid;
      if (!seen.has(uid)) seen.set(uid, { name: object.metadata?.name as string, owner });
      const plan = owner ? options.planOf(owner) : undefined;
      const runs = object.status?.phase === 'Running' && !object.metadata?.deletionTimestamp;
      if (!plan || !runs || driven.has(uid)) return;
      driven.add(uid);
      setTimeout(() => {
        drive(client, object, plan).catch((error: unknown) => {
          if (!isKubernetesError(error, 'NotFound')) errors.push(error);
        });
      }, options.delay());
    },
    { resourceVersion, signal: options.signal, stallTimeoutMs: 600_000 },
  );
  // A watch that ended early would leave Pods unended and unrecorded: the campaign says so.
  void watching.then(
    (outcome) => {
      if (outcome.end !== 'stopped') errors.push(outcome);
    },
    (error: unknown) => errors.push(error),
  );
  return { seen, errors };
}
