import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { noopLogger, type WorkflowExecution } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnsibleExecutor } from './ansible-executor.js';
import { AwxClient } from './awx-client.js';
import { ephemeralCredentialPrefix } from './credential-plan.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { ExecutionCleanup } from './execution-cleanup.js';
import { ExecutionCreate } from './execution-create.js';
import { ExecutionJobs } from './execution-jobs.js';
import { parseExecutorOptions } from './executor-options.js';
import { FakeLock, restartExecution, restartIdentity } from './fakes.test-support.js';
import { JobLaunch } from './job-launch.js';
import { claimed, type LaunchRecord } from './launch-record.js';
import { AwxOperationTimeoutError } from './operation-bound.js';
import { TemplateCatalog } from './template-catalog.js';

/*
 * Each executor operation ends within operationTimeoutMs however long AWX keeps it going, and
 * what it leaves behind is found by the next create or cleanup. AWX here keeps answering 503,
 * which the client retries (quickly, many times), so only the operation's bound ends it.
 */

let sim: AwxSimulator;
let awx: AwxClient;
let template: { readonly id: number };
// Room for the requests before the fault on a loaded machine; each case waits it out once or twice.
const operationTimeoutMs = 1_500;
const defaults = parseExecutorOptions({ operationTimeoutMs, cacheTtlMs: 0 });

beforeAll(async () => {
  sim = await startAwxSimulator();
  awx = new AwxClient({
    baseUrl: sim.url,
    token: sim.token,
    retries: 100_000,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
  });
  template = sim.state.addJobTemplate({
    name: 'restart',
    askCredentialOnLaunch: true,
    askVariablesOnLaunch: true,
  });
});
afterEach(() => sim.faults.clear());
afterAll(async () => {
  await awx.close();
  await sim.stop();
});

/** The lock in memory, as a create claims it and cleanup finds it. */
class MemoryLock extends FakeLock {
  override record: LaunchRecord | null = null;

  async claim(_wfe: WorkflowExecution, _namespace: string, attempt: string) {
    this.record ??= { credentials: [], finished: false };
    const written = await this.write(this.lock(), claimed(this.record, attempt, Date.now()));
    return { ...written, adopted: false };
  }
  async find() {
    return this.record === null ? null : { lock: this.lock(), record: this.record };
  }
}

function executor(settings = defaults, lock = new MemoryLock()) {
  const catalog = new TemplateCatalog(awx, 0, settings.now);
  const credentials = new EphemeralCredentials(awx, settings, noopLogger);
  const jobs = new ExecutionJobs(awx, catalog, settings, noopLogger);
  const launch = new JobLaunch(awx, { catalog, credentials, jobs }, settings, noopLogger);
  const dependencies = {
    configMaps: async () => [],
    secrets: async () => [{ name: 'db', data: { password: 'hunter2-value' } }],
  };
  const parts = { awx, lock, catalog, jobs, credentials };
  const create = new ExecutionCreate(
    { ...parts, dependencies, launch, kubernetesApi: undefined },
    settings,
    noopLogger,
  );
  const cleanup = new ExecutionCleanup(parts, settings, noopLogger);
  return { lock, create, cleanup };
}

/** The credentials AWX holds that are named for the restart execution. */
function executionCredentials(): string[] {
  const prefix = ephemeralCredentialPrefix(defaults.namePrefix, restartIdentity);
  return sim.state
    .liveCredentials({ origin: 'api' })
    .map((c) => c.name)
    .filter((name) => name.startsWith(prefix));
}

describe('an executor operation past operationTimeoutMs', () => {
  it('ends a create that AWX keeps retrying after its credential was made, and the create undoes it', async () => {
    const path = `/api/v2/job_templates/${template.id}/credentials/`;
    sim.faults.failNext(1_000_000, 503, { method: 'GET', pathPrefix: path });
    const { lock, create } = executor();

    const failure = await create.run(restartExecution, 'ns', {}).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(AwxOperationTimeoutError);
    const error = failure as AwxOperationTimeoutError;
    expect(error.reason).toBe('AWXOperationTimeout');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(
      'create of ansible execution for WorkflowExecution team-a/restart-api',
    );
    expect(error.message).toContain(`GET job_templates/${template.id}/credentials/`);
    expect(error.message).toContain(`${sim.url}${path}`);
    expect(error.message).not.toContain(sim.token);
    expect(error.message).not.toContain('hunter2-value');
    // No launch was sent, so the create's undo deleted its credential and released the target.
    expect(executionCredentials()).toEqual([]);
    expect(lock.record).toBeNull();
  });

  it('leaves a credential it could not delete in time for cleanup to find and delete', async () => {
    const path = `/api/v2/job_templates/${template.id}/credentials/`;
    sim.faults.failNext(1_000_000, 503, { method: 'GET', pathPrefix: path });
    sim.faults.failNext(1_000_000, 503, { method: 'DELETE', pathPrefix: '/api/v2/credentials/' });
    const { lock, create, cleanup } = executor();

    await expect(create.run(restartExecution, 'ns', {})).rejects.toBeInstanceOf(
      AwxOperationTimeoutError,
    );
    const [left] = executionCredentials();
    expect(left).toBeDefined();
    expect(lock.record?.credentials).toHaveLength(1);

    // A cleanup that AWX keeps retrying ends at its bound too, and the credential stays found.
    await expect(cleanup.run(restartExecution, 'ns', {})).rejects.toMatchObject({
      reason: 'AWXOperationTimeout',
      endpoint: expect.stringMatching(/^DELETE credentials\/\d+\/$/),
    });
    expect(executionCredentials()).toEqual([left]);

    sim.faults.clear();
    await cleanup.run(restartExecution, 'ns', {});
    expect(executionCredentials()).toEqual([]);
    expect(lock.record).toBeNull();
  });

  it('ends the search for the job of a launch whose answer was lost, and keeps its credential until cleanup', async () => {
    const launch = `/api/v2/job_templates/${template.id}/launch/`;
    sim.faults.failNext(1, 504, { method: 'POST', pathPrefix: launch });
    sim.faults.failNext(1_000_000, 503, { method: 'GET', pathPrefix: '/api/v2/jobs/' });
    const { lock, create } = executor();

    await expect(create.run(restartExecution, 'ns', {})).rejects.toMatchObject({
      reason: 'AWXOperationTimeout',
      endpoint: expect.stringMatching(/^GET jobs\/\?/),
    });
    // The launch may yet be committed: its credential and the record of it stay.
    expect(executionCredentials()).toHaveLength(1);
    expect(lock.record?.launchedAt).toBeDefined();

    sim.faults.clear();
    // Once the launch commit window has closed without a job, cleanup deletes it.
    const afterWindow = parseExecutorOptions({ operationTimeoutMs, launchCommitWindowMs: 0 });
    await executor(afterWindow, lock).cleanup.run(restartExecution, 'ns', {});
    expect(executionCredentials()).toEqual([]);
    expect(lock.record).toBeNull();
  });

  it("ends a status read of a job AWX keeps answering 503 for, naming the job's URL", async () => {
    sim.faults.failNext(1_000_000, 503, { method: 'GET', pathPrefix: '/api/v2/jobs/' });
    // The job's ref is on the execution, so no lock is read: the Kubernetes client is unused.
    const ansible = new AnsibleExecutor(awx, {} as KubeClient, { operationTimeoutMs });
    const wfe: WorkflowExecution = {
      ...restartExecution,
      status: { executionRef: { name: 'awx-job-12' } },
    } as WorkflowExecution;

    await expect(ansible.getStatus(wfe, 'ns')).rejects.toMatchObject({
      reason: 'AWXOperationTimeout',
      endpoint: 'GET jobs/12/',
      retryable: true,
    });
  });

  it('ends a log read whose Kubernetes read of the lock never answers', async () => {
    const hanging = {
      get: (
        _type: unknown,
        _namespace: string,
        _name: string,
        { signal }: { signal: AbortSignal },
      ) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    } as unknown as KubeClient;
    const ansible = new AnsibleExecutor(awx, hanging, { operationTimeoutMs });

    const read = async () => {
      for await (const _ of ansible.logs(restartExecution, 'ns')) break;
    };

    await expect(read()).rejects.toMatchObject({
      reason: 'AWXOperationTimeout',
      message: `log read of ansible execution of WorkflowExecution team-a/restart-api did not finish within ${operationTimeoutMs} ms (operationTimeoutMs)`,
    });
  });

  it("keeps a caller's abort an abort", async () => {
    sim.faults.failNext(1_000_000, 503, { method: 'GET', pathPrefix: '/api/v2/me/' });
    const ansible = new AnsibleExecutor(awx, {} as KubeClient, { operationTimeoutMs: 60_000 });
    const caller = new AbortController();
    const checking = ansible.availability({ signal: caller.signal }).catch((e: unknown) => e);
    setTimeout(() => caller.abort(), 50);

    expect(await checking).toMatchObject({ reason: 'Aborted' });
  });
});
