import type { KubeConfig } from '@kubernetes/client-node';
import {
  type ActionPhase,
  BatchingEventSink,
  type EventBatchWriter,
  InformerCache,
  phaseOf,
  type RateLimiter,
} from '@roundhouse/controller';
import { Registry } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { podControls, type TestNamespace, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, beforeAll, expect, vi } from 'vitest';
import { type CacheIdentity, cacheObjectName } from '../src/cache.js';
import { createTaskActionController } from '../src/controller.js';
import type { ActionEvent } from '../src/events.js';
import { ensureTaskActionCrd } from '../src/install.js';
import { taskActions } from '../src/resource.js';
import { type TaskActionView, taskActionView } from '../src/spec.js';
import { taskJobExecutor } from '../src/task-executor.js';
import { CacheLooks } from './cache-looks.js';

export const patience = { timeout: 90_000, interval: 200 };

/** An event as the sink got it, with the phase the action's status showed at that moment. */
export interface Recorded {
  readonly event: ActionEvent;
  readonly statusPhaseWhenRecorded: ActionPhase | undefined;
}

/**
 * A deduplicating event store that can be made to fail. For every event it notes the phase the
 * TaskAction's status showed while the event was being recorded, so a test can tell that the
 * event came before the status write.
 */
export class RecordingWriter implements EventBatchWriter<ActionEvent> {
  readonly records: Recorded[] = [];
  failing = false;
  failures = 0;

  constructor(private readonly client: KubeClient) {}

  async write(events: readonly ActionEvent[]): Promise<void> {
    if (this.failing) {
      this.failures += 1;
      throw new Error('events service unavailable');
    }
    for (const event of events) {
      if (this.records.some((r) => r.event.id === event.id)) continue;
      const object = await this.client.get(taskActions, event.namespace, event.name);
      const statusPhaseWhenRecorded = object ? phaseOf(taskActionView(object).status) : undefined;
      this.records.push({ event, statusPhaseWhenRecorded });
    }
  }

  of(name: string): Recorded[] {
    return this.records.filter((r) => r.event.name === name);
  }
}

export interface StartOptions {
  readonly kubeConfig: KubeConfig;
  readonly watchNamespace: string;
  readonly executionNamespace: string;
  /** How the fake node runs the Jobs' pods; default: they run until a test finishes them. */
  readonly pod?: { readonly runSeconds?: number; readonly exitCode?: number };
  /** The client the job executor writes with (a spy, or an identity without permissions). */
  readonly executorClient?: KubeClient;
  readonly maxSystemFailures?: number;
  /** Default the controller's. */
  readonly maxAttemptsPerNamespace?: number | 'none';
  /** Default the controller's. */
  readonly maxCacheEntriesPerNamespace?: number;
  /** Default `registry.invalid/*`, the registry of the tests' images. */
  readonly allowedImages?: readonly string[];
  /** The requeue period, also the cache reservation's heartbeat; default the controller's. */
  readonly resyncMs?: number;
  /** How long a failed key waits; default the controller's. */
  readonly rateLimiter?: RateLimiter<string>;
  /** Reconciles at once; default 4. */
  readonly workers?: number;
}

export interface RunningController {
  readonly writer: RecordingWriter;
  /** The cache the controller and its executor read through. */
  readonly cache: InformerCache;
  /** When each action looked at the cache and waited, from the controller's log. */
  readonly looks: CacheLooks;
  stop(): Promise<void>;
}

/** Starts the controller as a deployment would, its events going to a RecordingWriter. */
async function startController(options: StartOptions): Promise<RunningController> {
  const admin = new KubeClient(options.kubeConfig);
  await ensureTaskActionCrd(admin);
  const cache = new InformerCache(options.kubeConfig, { client: admin });
  const { runSeconds = 600, exitCode } = options.pod ?? {};
  const podAnnotations: Record<string, string> = {
    [podControls.runSeconds]: String(runSeconds),
    ...(exitCode !== undefined ? { [podControls.exitCode]: String(exitCode) } : {}),
  };
  const registry = new Registry().register(
    taskJobExecutor(options.executorClient ?? admin, { podAnnotations, reader: cache }),
  );
  const writer = new RecordingWriter(admin);
  const sink = new BatchingEventSink(writer, { maxDelayMs: 5 });
  const looks = new CacheLooks();
  const { controller } = await createTaskActionController({
    kubeConfig: options.kubeConfig,
    registry,
    cache,
    sink,
    watchNamespace: options.watchNamespace,
    executionNamespace: options.executionNamespace,
    allowedImages: options.allowedImages ?? ['registry.invalid/*'],
    workers: options.workers ?? 4,
    // Short enough for a test, long enough to show a relaunch waits for it.
    systemBackoffMs: { initial: 200, max: 1_000 },
    ...(options.maxSystemFailures !== undefined
      ? { maxSystemFailures: options.maxSystemFailures }
      : {}),
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    ...(options.maxAttemptsPerNamespace !== undefined
      ? { maxAttemptsPerNamespace: options.maxAttemptsPerNamespace }
      : {}),
    ...(options.maxCacheEntriesPerNamespace !== undefined
      ? { maxCacheEntriesPerNamespace: options.maxCacheEntriesPerNamespace }
      : {}),
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    logger: looks,
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
  return {
    writer,
    cache,
    looks,
    async stop() {
      abort.abort();
      await running;
      await sink.close();
    },
  };
}

/** `watchNamespace` defaults to the file's test namespace. */
export type ControllerSettings = Partial<Omit<StartOptions, 'kubeConfig' | 'executionNamespace'>>;

export interface ControllerFixture {
  readonly env: TestNamespace;
  /** A client with the test's admin identity. */
  client(): KubeClient;
  /** Where the actions' Jobs run: a namespace of its own, made once for the file. */
  readonly executionNamespace: string;
  /** Starts the controller with the file's settings, `settings` replacing some of them. */
  start(settings?: ControllerSettings): Promise<RunningController>;
  /** Stops the controller; a later `start` begins a new one, as a restart would. */
  stop(): Promise<void>;
}

/**
 * A test file's namespaces and its controller, one at a time, stopped after every test, so that
 * no test leaves a controller running into the next.
 */
export function useController(
  prefix: string,
  defaults: ControllerSettings = {},
): ControllerFixture {
  const env = useTestNamespace({ prefix });
  let executionNamespace: string | undefined;
  let controller: RunningController | undefined;
  const stop = async () => {
    await controller?.stop();
    controller = undefined;
  };

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace(`${prefix}-exec`);
  });
  afterEach(stop);

  const execution = () => {
    if (executionNamespace === undefined) throw new Error("used before the file's beforeAll");
    return executionNamespace;
  };

  return {
    env,
    client: () => new KubeClient(env.kubeConfig),
    get executionNamespace() {
      return execution();
    },
    async start(settings = {}) {
      if (controller) throw new Error('a controller is running: stop it first');
      controller = await startController({
        kubeConfig: env.kubeConfig,
        watchNamespace: env.namespace,
        executionNamespace: execution(),
        ...defaults,
        ...settings,
      });
      return controller;
    },
    stop,
  };
}

let sequence = 0;

/** A TaskAction manifest; `spec` entries replace the defaults (undefined removes one). */
export function taskAction(
  spec: Record<string, unknown> = {},
  name?: string,
): KubeObject & { metadata: { name: string }; spec: Record<string, unknown> } {
  sequence += 1;
  const actionName = `a${sequence}`;
  const full: Record<string, unknown> = {
    runName: 'run1',
    project: 'flytesnacks',
    domain: 'development',
    actionName,
    taskType: 'container',
    taskTemplate: { image: 'registry.invalid/task:1' },
    inputUri: 's3://bucket/run1/inputs.pb',
    runOutputBase: 's3://bucket/run1',
    ...spec,
  };
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'TaskAction',
    metadata: { name: name ?? `run1-${actionName}` },
    spec: Object.fromEntries(Object.entries(full).filter(([, v]) => v !== undefined)),
  };
}

/** The reservation's heartbeat for the cache tests: a lease lasts three. */
export const cacheResyncMs = 2_000;

/** The cache identity of `taskAction`'s manifests with this key in `namespace`. */
export function cacheIdentity(namespace: string, cacheKey: string): CacheIdentity {
  return { namespace, project: 'flytesnacks', domain: 'development', cacheKey };
}

/** A TaskAction manifest serialized on its cache key: one action per key runs at a time. */
export function serializedTaskAction(cacheKey: string) {
  return taskAction({
    cacheKey,
    taskTemplate: { image: 'registry.invalid/task:1', cacheSerializable: true },
  });
}

/**
 * The lease of the reservation on this key of `namespace`'s actions, or null while none holds
 * it; the cache lives in the execution namespace.
 */
export async function readCacheLease(
  client: KubeClient,
  executionNamespace: string,
  namespace: string,
  cacheKey: string,
) {
  return client.get<KubeObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } }>(
    resources.leases,
    executionNamespace,
    cacheObjectName(cacheIdentity(namespace, cacheKey)),
  );
}

/** A condition action manifest: no task fields, the given condition. */
export function conditionAction(conditionSpec: Record<string, unknown> | undefined) {
  return taskAction({
    actionType: 'condition',
    conditionSpec,
    taskType: undefined,
    taskTemplate: undefined,
    inputUri: undefined,
    runOutputBase: undefined,
  });
}

export async function apply(client: KubeClient, namespace: string, manifest: KubeObject) {
  return (await client.create(taskActions, namespace, manifest)).object;
}

export async function read(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<(KubeObject & TaskActionView) | null> {
  const object = await client.get<KubeObject>(taskActions, namespace, name);
  return object && { ...object, ...taskActionView(object) };
}

/** Waits until the action's phase is `phase`, and returns it. */
export async function waitForPhase(
  client: KubeClient,
  namespace: string,
  name: string,
  phase: ActionPhase,
) {
  return vi.waitFor(async () => {
    const action = await read(client, namespace, name);
    // The conditions say why it is not there yet: what a failure on a loaded CI run needs.
    const why = `${namespace}/${name}: ${JSON.stringify(action?.status.conditions ?? null)}`;
    expect(action && phaseOf(action.status), why).toBe(phase);
    return action as KubeObject & TaskActionView;
  }, patience);
}

/** The Jobs of one attempt (`<action>-<attempt>`) or, with a prefix match, of every attempt. */
export async function jobsOf(client: KubeClient, namespace: string, attemptName: string) {
  const { items } = await client.list<KubeObject>(resources.jobs, namespace, {
    labelSelector: `roundhouse.dev/workflow-execution=${attemptName}`,
  });
  return items;
}

/**
 * Plays the kubelet for the running pod of an attempt's Job: ends its container with
 * `exitCode` (and `message` in its termination log), as a real container exit would. The Job
 * controller does the rest.
 */
export async function finishPod(
  client: KubeClient,
  namespace: string,
  attemptName: string,
  exitCode: number,
  message?: string,
) {
  const pod = await vi.waitFor(async () => {
    const [job] = await jobsOf(client, namespace, attemptName);
    const { items } = await client.list<KubeObject & { status?: { phase?: string } }>(
      resources.pods,
      namespace,
      { labelSelector: `batch.kubernetes.io/job-name=${job?.metadata?.name}` },
    );
    expect(items[0]?.status?.phase).toBe('Running');
    return items[0] as KubeObject;
  }, patience);
  await exitPod(client, namespace, pod.metadata?.name as string, exitCode, message);
}

/**
 * Ends the pod's container with `exitCode`, as the kubelet reports a container exit; `message`
 * is what the container left in its termination log.
 */
export async function exitPod(
  client: KubeClient,
  namespace: string,
  podName: string,
  exitCode: number,
  message?: string,
): Promise<void> {
  const now = new Date().toISOString();
  const terminated = {
    exitCode,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    startedAt: now,
    finishedAt: now,
    ...(message === undefined ? {} : { message }),
  };
  await client.patch(
    resources.pods,
    namespace,
    podName,
    {
      status: {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [
          {
            name: 'workflow',
            image: 'registry.invalid/task:1',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated },
          },
        ],
      },
    },
    { subresource: 'status', strategy: 'merge' },
  );
}
