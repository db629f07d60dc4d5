import { randomBytes } from 'node:crypto';
import {
  AnsibleExecutor,
  type AnsibleExecutorAwx,
  type AnsibleExecutorOptions,
  AwxClient,
  type AwxClientOptions,
  ephemeralCredentialPrefix,
  executionIdentity,
} from '@roundhouse/awx';
import {
  type AwxSimulator,
  type AwxSimulatorOptions,
  type JobTemplateSeed,
  startAwxSimulator,
} from '@roundhouse/awx-simulator';
import {
  CleanupPendingError,
  type ExecutionResult,
  executionResourceName,
  type Logger,
  type OperationOptions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { type TestNamespace, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, vi } from 'vitest';

/** Polling limits for a loaded 2-core machine; simulator schedules stay far below them. */
export const patience = { timeout: 30_000, interval: 50 };

/** Every log line an executor or client wrote, as JSON text, to search for leaked values. */
export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const write = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push(JSON.stringify({ level, message, ...fields }));
  };
  return {
    lines,
    logger: {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
    },
  };
}

/** An AWX simulator, a client for it and a Kubernetes client for the test's namespace. */
export interface Testbed {
  readonly sim: AwxSimulator;
  readonly awx: AwxClient;
  readonly kube: KubeClient;
  readonly log: CapturedLog;
  executor(options?: AnsibleExecutorOptions & { awx?: AnsibleExecutorAwx }): AnsibleExecutor;
  client(options?: Partial<AwxClientOptions>): AwxClient;
  stop(): Promise<void>;
}

export async function startTestbed(
  env: TestNamespace,
  simulator: AwxSimulatorOptions = {},
): Promise<Testbed> {
  const sim = await startAwxSimulator(simulator);
  const log = captureLog();
  const clients: AwxClient[] = [];
  const client = (options: Partial<AwxClientOptions> = {}) => {
    const awx = new AwxClient({
      baseUrl: sim.url,
      token: sim.token,
      minRetryDelayMs: 5,
      maxRetryDelayMs: 50,
      timeoutMs: 10_000,
      logger: log.logger,
      ...options,
    });
    clients.push(awx);
    return awx;
  };
  const awx = client();
  const kube = new KubeClient(env.kubeConfig);
  return {
    sim,
    awx,
    kube,
    log,
    client,
    executor: ({ awx: api = awx, ...options } = {}) =>
      new AnsibleExecutor(api, kube, { logger: log.logger, ...options }),
    stop: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await sim.stop();
    },
  };
}

/**
 * Gives the enclosing describe block its own namespace and a testbed started in a beforeAll hook
 * and stopped in an afterAll hook. Like the namespace, read the testbed's fields inside tests or
 * hooks, not while the file is being collected.
 */
export function useTestbed(simulator: AwxSimulatorOptions = {}): {
  env: TestNamespace;
  bed: Testbed;
} {
  const env = useTestNamespace();
  let started: Testbed | undefined;
  const current = () => {
    if (!started) throw new Error('the testbed is only available in tests and hooks');
    return started;
  };
  beforeAll(async () => {
    started = await startTestbed(env, simulator);
  });
  afterAll(async () => {
    await started?.stop();
  });
  const bed: Testbed = {
    get sim() {
      return current().sim;
    },
    get awx() {
      return current().awx;
    },
    get kube() {
      return current().kube;
    },
    get log() {
      return current().log;
    },
    executor: (options) => current().executor(options),
    client: (options) => current().client(options),
    stop: () => current().stop(),
  };
  return { env, bed };
}

/** A template that prompts for variables and credentials and finishes on a short schedule. */
export function seedTemplate(sim: AwxSimulator, seed: Partial<JobTemplateSeed> = {}) {
  return sim.state.addJobTemplate({
    name: `template-${randomBytes(4).toString('hex')}`,
    askVariablesOnLaunch: true,
    askCredentialOnLaunch: true,
    schedule: { pendingMs: 20, runningMs: 150 },
    ...seed,
  });
}

/** A Machine credential an administrator made, as a job template's own credential would be. */
export function addMachineCredential(sim: AwxSimulator, name: string) {
  const machine = sim.state.credentialTypes().find((t) => t.name === 'Machine')!;
  return sim.state.addCredential({
    name,
    credential_type: machine.id,
    organization: 1,
    inputs: { username: 'root' },
  });
}

/** A WorkflowExecution on a target no other call uses. */
export function makeExecution(
  jobTemplateName: string,
  options: {
    name?: string;
    targetResource?: string;
    spec?: Partial<WorkflowExecution['spec']>;
  } = {},
): WorkflowExecution {
  const id = randomBytes(4).toString('hex');
  return {
    metadata: { name: options.name ?? `wfe-${id}`, namespace: 'team-a', uid: `uid-${id}` },
    spec: {
      workflowRef: {
        workflowId: 'remediate',
        version: '1',
        executionBundle: 'registry.example/workflows/remediate:1',
        engineConfig: { jobTemplateName, playbookPath: 'playbooks/remediate.yml' },
      },
      targetResource: options.targetResource ?? `team-a/deployment/app-${id}`,
      executionEngine: 'ansible',
      ...options.spec,
    },
  };
}

export function withRef(wfe: WorkflowExecution, name: string): WorkflowExecution {
  return { ...wfe, status: { ...wfe.status, executionRef: { name } } };
}

/**
 * Cleans up as a controller does: while cleanup waits for a canceled job to end
 * (`CleanupPendingError`) it is called again; any other failure is thrown at once.
 */
export async function cleanUp(
  executor: Pick<AnsibleExecutor, 'cleanup'>,
  wfe: WorkflowExecution,
  namespace: string,
  options?: OperationOptions,
): Promise<void> {
  const failure = await vi.waitFor(
    () =>
      executor.cleanup(wfe, namespace, options).then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof CleanupPendingError) throw error;
          return error;
        },
      ),
    patience,
  );
  if (failure !== undefined) throw failure;
}

/** Polls getStatus until the execution reaches a terminal phase. */
export async function settle(
  executor: AnsibleExecutor,
  wfe: WorkflowExecution,
  namespace: string,
): Promise<ExecutionResult> {
  return vi.waitFor(async () => {
    const status = await executor.getStatus(wfe, namespace);
    expect(status?.phase).toMatch(/^(Completed|Failed)$/);
    return status as ExecutionResult;
  }, patience);
}

export async function createSecret(
  kube: KubeClient,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await kube.create(resources.secrets, namespace, { metadata: { name }, stringData: data });
}

/** A Secret for `wfe` alone, so each create of it makes a credential; returns the dependencies. */
export async function ownSecret(kube: KubeClient, namespace: string, wfe: WorkflowExecution) {
  const name = `s-${wfe.metadata.uid}`;
  await createSecret(kube, namespace, name, { password: 'pw' });
  return { secrets: [{ name }] };
}

export async function createConfigMap(
  kube: KubeClient,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await kube.create(resources.configMaps, namespace, { metadata: { name }, data });
}

/**
 * Every role of `target` with each operation run through `around`: to count calls, or to stand
 * in for a process that dies after one. `overrides` replace single operations.
 */
export function interceptAwx(
  target: AwxClient,
  around: (operation: string, call: () => Promise<unknown>) => Promise<unknown>,
  overrides: Partial<AnsibleExecutorAwx> = {},
): AnsibleExecutorAwx {
  return new Proxy(target, {
    get(client, property) {
      if (property in overrides) return overrides[property as keyof AnsibleExecutorAwx];
      const value: unknown = Reflect.get(client, property, client);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        around(String(property), () =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(client, args),
        );
    },
  });
}

/** `kube` with every call of its `method` shown to `seen` first: to see what an executor asks. */
export function spyKube<M extends 'get' | 'create'>(
  kube: KubeClient,
  method: M,
  seen: (...args: Parameters<KubeClient[M]>) => void,
): KubeClient {
  return new Proxy(kube, {
    get(client, property) {
      const value: unknown = Reflect.get(client, property, client);
      if (typeof value !== 'function') return value;
      if (property !== method) return value.bind(client);
      return (...args: Parameters<KubeClient[M]>) => {
        seen(...args);
        return value.apply(client, args);
      };
    },
  });
}

/** The simulator's jobs launched for `wfe` (they carry its uid in the marker). */
export function jobsOf(sim: AwxSimulator, wfe: WorkflowExecution) {
  const uid = wfe.metadata.uid as string;
  return sim.state.jobs().filter((job) => job.extraVars.includes(uid));
}

/** The simulator's live credentials named for `wfe`'s execution. */
export function credentialsOf(
  sim: AwxSimulator,
  wfe: WorkflowExecution,
  namePrefix = 'roundhouse-',
) {
  const prefix = ephemeralCredentialPrefix(namePrefix, executionIdentity(wfe));
  return sim.state.liveCredentials({ origin: 'api' }).filter((c) => c.name.startsWith(prefix));
}

/** Credential deletions that left a job AWX could still start without its credential. */
export function strandedJobs(sim: AwxSimulator): number[] {
  return sim.state.deletedCredentials().flatMap((deletion) => deletion.activeJobs);
}

/** The target's lock, a Lease in the execution namespace, or `null`. */
export function lockOf(kube: KubeClient, namespace: string, wfe: WorkflowExecution) {
  const name = executionResourceName(wfe.spec.targetResource);
  return kube.get<KubeObject & { spec?: { holderIdentity?: string } }>(
    resources.leases,
    namespace,
    name,
  );
}

/** A clock a test moves by hand. */
export function manualClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}
