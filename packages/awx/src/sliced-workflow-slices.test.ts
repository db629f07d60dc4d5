import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { noopLogger } from '@roundhouse/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwxClient } from './awx-client.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { ExecutionCleanup } from './execution-cleanup.js';
import { SlicedWorkflowNotCanceledError } from './execution-errors.js';
import { ExecutionJobs } from './execution-jobs.js';
import { parseExecutorOptions } from './executor-options.js';
import { FakeLock, restartExecution } from './fakes.test-support.js';
import { TemplateCatalog } from './template-catalog.js';

/*
 * Cleanup of a sliced launch another user made (kubernaut's token, another controller's), with a
 * token that is Admin on the template but no System Administrator: AWX refuses it the workflow
 * job (WorkflowJobAccess.can_cancel) and lets it cancel each slice (JobAccess.can_cancel).
 */

let sim: AwxSimulator;
let awx: AwxClient;
// The templates' organization passes no role down (`member`), so the template's own role counts.
let organization: number;
const kubernaut = { id: 2, username: 'kubernaut' };
const settings = parseExecutorOptions({ cacheTtlMs: 0 });
const patience = { timeout: 5_000, interval: 10 };

beforeAll(async () => {
  sim = await startAwxSimulator({ superuser: false });
  organization = sim.state.addOrganization('Sliced templates', '', 'member').id;
  awx = new AwxClient({ baseUrl: sim.url, token: sim.token });
});
afterAll(async () => {
  await awx.close();
  await sim.stop();
});

/** A sliced launch by kubernaut of a template the token's user has `role` on. */
function slicedLaunch(role: 'admin' | 'read', pendingMs = 0) {
  const template = sim.state.addJobTemplate({
    name: `sliced-${role}-${Math.random()}`,
    jobSliceCount: 3,
    inventoryHosts: 3,
    organization,
    role,
    schedule: { pendingMs, runningMs: 60_000, cancelMs: 0 },
  });
  const workflow = sim.state.launch(template.id, {}, kubernaut);
  const slices = () => sim.state.jobs().filter((j) => j.jobTemplate === template.id);
  const workflowJob = () => sim.state.workflowJobs().find((w) => w.id === workflow.id);
  return { workflow, slices, workflowJob };
}

/** The lock in memory, as cleanup finds it. */
class FoundLock extends FakeLock {
  async find() {
    return this.record === null ? null : { lock: this.lock(), record: this.record };
  }
}

/** Cleanup of an execution whose lock records the workflow job its launch made. */
async function cleanUp(workflowJob: number) {
  const lock = new FoundLock();
  lock.record = { credentials: [], finished: false, workflowJob };
  const catalog = new TemplateCatalog(awx, 0, settings.now);
  const parts = {
    awx,
    lock,
    jobs: new ExecutionJobs(awx, catalog, settings, noopLogger),
    credentials: new EphemeralCredentials(awx, settings, noopLogger),
  };
  const failure = await new ExecutionCleanup(parts, settings, noopLogger)
    .run(restartExecution, 'ns', {})
    .catch((e: unknown) => e);
  return { failure, lock };
}

describe("cleanup of another user's sliced launch, as Admin on the template", () => {
  it('cancels every slice, which AWX refuses it the workflow job for, and ends the cleanup', async () => {
    const { workflow, slices, workflowJob } = slicedLaunch('admin');
    await vi.waitFor(
      () => expect(slices().map((j) => j.status)).toEqual(['running', 'running', 'running']),
      patience,
    );

    const { failure } = await cleanUp(workflow.id);

    expect(failure).toBeUndefined();
    await vi.waitFor(
      () => expect(slices().map((j) => j.status)).toEqual(['canceled', 'canceled', 'canceled']),
      patience,
    );
    // The workflow manager ends it once every slice has (a canceled slice has no failure path).
    await vi.waitFor(() => expect(workflowJob()?.status).toBe('failed'), patience);
  });

  it('keeps the credentials, retryably, while the workflow job has not spawned its slices', async () => {
    const { workflow, slices } = slicedLaunch('admin', 60_000);

    const { failure } = await cleanUp(workflow.id);

    expect(failure).toMatchObject({ reason: 'AWXCleanupIncomplete', retryable: true });
    const [cause] = (failure as { failures: unknown[] }).failures;
    expect(cause).toBeInstanceOf(SlicedWorkflowNotCanceledError);
    expect(cause).toMatchObject({ workflowJob: workflow.id, refused: [], unspawned: 3 });
    expect(slices()).toEqual([]);
  });
});

describe("cleanup of another user's sliced launch, with Read on the template", () => {
  it('names the permission it needs, and cancels nothing', async () => {
    const { workflow, slices } = slicedLaunch('read');
    await vi.waitFor(() => expect(slices()).toHaveLength(3), patience);

    const { failure, lock } = await cleanUp(workflow.id);

    expect(failure).toMatchObject({ reason: 'AWXCleanupIncomplete', retryable: false });
    const [cause] = (failure as { failures: unknown[] }).failures;
    expect(cause).toBeInstanceOf(SlicedWorkflowNotCanceledError);
    expect(cause).toMatchObject({
      reason: 'AWXSlicedWorkflowNotCanceled',
      refused: slices().map((j) => j.id),
      unspawned: 0,
    });
    expect((cause as Error).message).toContain('grant the AWX user Admin on the job template');
    expect(slices().map((j) => j.status)).toEqual(['running', 'running', 'running']);
    expect(lock.record?.workflowJob).toBe(workflow.id);
  });
});
