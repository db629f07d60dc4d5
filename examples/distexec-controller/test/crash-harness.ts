import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { isKubernetesError, type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { podControls } from '@roundhouse/testenv/vitest';
import { ControllerProcess } from '../../../test/example-controller/controller-process.js';

const jobMain = new URL('../src/job-main.ts', import.meta.url).pathname;

/** The annotations the job engine puts on every node Job: its DistExec's uid, and the attempt. */
const ownerUidAnnotation = 'roundhouse.dev/workflow-execution-uid';
const targetAnnotation = 'roundhouse.dev/target-resource';

/**
 * The Job-per-node controller's own main, from source, in one process a SIGKILL ends (tsx's
 * CLI would run it in a child that a SIGKILL of the CLI leaves running).
 */
export function startJobMain(flags: readonly string[]): ControllerProcess {
  return new ControllerProcess(process.execPath, [
    '--import=tsx',
    '--conditions=@roundhouse/source',
    jobMain,
    '--health-port=0',
    ...flags,
  ]);
}

/** A node Job the API server announced. */
export interface SeenJob {
  readonly name: string;
  readonly uid: string;
  /** The DistExec (uid) it runs an attempt of. */
  readonly owner: string;
  /** `<namespace>/distexec/<name>.<node>.n<length>.g<generation>.a<attempt>`. */
  readonly target: string;
}

/**
 * Every node Job created in `namespace` from now until `signal` aborts, in order, and the uids
 * of those the Job controller failed for their deadline (`DeadlineExceeded`).
 */
export async function watchJobs(
  client: KubeClient,
  namespace: string,
  signal: AbortSignal,
): Promise<{ seen: SeenJob[]; timedOut: Set<string>; errors: unknown[] }> {
  const seen: SeenJob[] = [];
  const timedOut = new Set<string>();
  const errors: unknown[] = [];
  const { resourceVersion } = await client.list(resources.jobs, namespace);
  const watching = client.watch<KubeObject>(
    resources.jobs,
    namespace,
    ({ type, object }) => {
      const owner = object.metadata?.annotations?.[ownerUidAnnotation];
      const target = object.metadata?.annotations?.[targetAnnotation];
      const { name, uid } = object.metadata ?? {};
      if (!owner || !target || !name || !uid) return;
      if (type === 'ADDED') seen.push({ name, uid, owner, target });
      const { conditions } = (object.status ?? {}) as {
        conditions?: { type?: string; status?: string; reason?: string }[];
      };
      const failed = conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
      if (failed?.reason === 'DeadlineExceeded') timedOut.add(uid);
    },
    { resourceVersion, signal, stallTimeoutMs: 600_000 },
  );
  void watching.then(
    (outcome) => {
      if (outcome.end !== 'stopped') errors.push(outcome);
    },
    (error: unknown) => errors.push(error),
  );
  return { seen, timedOut, errors };
}

/** What the command of one attempt does on its node: exit with `exitCode` after `seconds`. */
export interface Run {
  readonly exitCode: number;
  readonly seconds: number;
}

type Pod = KubeObject & {
  spec?: {
    nodeName?: string;
    containers?: { env?: { name: string; value?: string }[] }[];
  };
};

/**
 * Plays the scheduler and the kubelet for node Jobs whose nodes have no room (`pods: 0`), so
 * none starts by itself: each pod of an attempt `runOf` knows is annotated with what its
 * command does (KWOK then runs it so: exit code, run time) and bound to its node `delay()` ms
 * after it was first seen, while a controller is up or not. A pod `runOf` does not know (its
 * DistExec was deleted) is left pending. Failures, and a driver that stopped, are in `errors`.
 */
export function drivePods(
  client: KubeClient,
  kubeConfig: KubeConfig,
  namespace: string,
  options: {
    readonly jobs: readonly SeenJob[];
    readonly runOf: (owner: string, node: string, attempt: number) => Run | undefined;
    readonly delay: () => number;
    readonly signal: AbortSignal;
  },
): { errors: unknown[] } {
  const errors: unknown[] = [];
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const due = new Map<string, number>();
  const bound = new Set<string>();
  const drive = async (pod: Pod) => {
    const name = pod.metadata?.name as string;
    const env = new Map((pod.spec?.containers?.[0]?.env ?? []).map((e) => [e.name, e.value ?? '']));
    // By the Job's uid: a DistExec created again under a deleted one's name has Jobs of the
    // same names as its predecessor's.
    const jobUid = pod.metadata?.labels?.['batch.kubernetes.io/controller-uid'];
    const owner = options.jobs.find((j) => j.uid === jobUid)?.owner;
    const node = env.get('NODE_NAME');
    const run = owner && node && options.runOf(owner, node, Number(env.get('DISTEXEC_ATTEMPT')));
    if (!run || !node) return;
    bound.add(name);
    const annotations: Record<string, string> = { [podControls.runSeconds]: String(run.seconds) };
    if (run.exitCode !== 0) annotations[podControls.exitCode] = String(run.exitCode);
    try {
      await client.patch(
        resources.pods,
        namespace,
        name,
        { metadata: { annotations } },
        { strategy: 'merge' },
      );
      await core.createNamespacedPodBinding({
        name,
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        },
      });
    } catch (error) {
      // Gone or going meanwhile: its Job was deleted (a deleted DistExec, a spec change).
      const gone = error instanceof ApiException && (error.code === 404 || error.code === 409);
      if (!gone && !isKubernetesError(error, 'NotFound')) {
        errors.push(error);
      }
    }
  };
  const loop = async () => {
    while (!options.signal.aborted) {
      const { items } = await client.list<Pod>(resources.pods, namespace);
      const now = Date.now();
      for (const pod of items) {
        const name = pod.metadata?.name as string;
        if (pod.spec?.nodeName || pod.metadata?.deletionTimestamp || bound.has(name)) continue;
        if (!due.has(name)) due.set(name, now + options.delay());
        if ((due.get(name) as number) <= now) await drive(pod);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  loop().catch((error: unknown) => errors.push(error));
  return { errors };
}

/**
 * A shell script that notes each run (`<generation> <attempt> <pid>`, one line per run, in
 * `<file>.<node>`) and then does what `runsOf` says for that node and attempt: sleeps, then
 * exits with the code. An attempt past the plan exits 99 at once, to be counted.
 */
export function plannedScript(file: string, runsOf: ReadonlyMap<string, readonly Run[]>): string {
  const cases = [...runsOf].flatMap(([node, runs]) =>
    runs.map((run, i) => `${node}:${i + 1}) sleep ${run.seconds}; exit ${run.exitCode};;`),
  );
  return [
    `echo "$DISTEXEC_GENERATION $DISTEXEC_ATTEMPT $$" >> ${file}.$NODE_NAME`,
    `case "$NODE_NAME:$DISTEXEC_ATTEMPT" in`,
    ...cases,
    '*) exit 99;;',
    'esac',
  ].join('\n');
}

/** One run a `plannedScript` noted. */
export interface NotedRun {
  readonly generation: number;
  readonly attempt: number;
  readonly pid: number;
}

/** The runs a `plannedScript` noted in `<file>.<node>`, in order; none when it never ran. */
export function notedRuns(lines: readonly string[]): NotedRun[] {
  return lines.map((line) => {
    const [generation, attempt, pid] = line.split(' ').map(Number);
    return { generation: generation ?? 0, attempt: attempt ?? 0, pid: pid ?? 0 };
  });
}
