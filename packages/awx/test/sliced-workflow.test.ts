import {
  AwxConnectionError,
  AwxWorkflowLaunchError,
  CleanupIncompleteError,
  WorkflowJobCancelingError,
} from '@roundhouse/awx';
import { ConfigurationError } from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import {
  cleanUp,
  createSecret,
  credentialsOf,
  interceptAwx,
  jobsOf,
  lockOf,
  makeExecution,
  patience,
  seedTemplate,
  useTestbed,
} from './testbed.js';

/**
 * How long AWX takes to end the canceled workflow job (its sliced jobs stopping): long enough
 * for the create and cleanup below to run while it has not, each checked to have.
 */
const cancelMs = 8_000;

describeWithControlPlane('AnsibleExecutor and the workflow job of a sliced launch', () => {
  const { env, bed } = useTestbed();

  it('keeps the credentials and the lock until AWX has ended the running workflow job, and launches nothing meanwhile', async () => {
    const template = seedTemplate(bed.sim, {
      jobSliceCount: 2,
      inventoryHosts: 2,
      schedule: { pendingMs: 0, runningMs: 60_000, cancelMs },
    });
    const workflowJob = () => {
      const [only, ...more] = bed.sim.state
        .workflowJobs()
        .filter((w) => w.jobTemplate === template.id);
      expect(more).toEqual([]);
      return only;
    };
    const launches = () =>
      bed.sim.requests.filter(
        (r) =>
          r.method === 'POST' && r.path.startsWith(`/api/v2/job_templates/${template.id}/launch/`),
      ).length;
    // Asserts what follows happened while AWX was still ending the workflow job.
    const stillCanceling = () =>
      expect(workflowJob()).toMatchObject({ status: 'running', cancelFlag: true });

    // A template read before someone turned slicing on; AWX has started the workflow job by the
    // time the launch answers, so canceling it only flags it.
    let launchedWith: readonly number[] = [];
    const stale = interceptAwx(bed.awx, (_operation, call) => call(), {
      findJobTemplate: async (name, options) => ({
        ...(await bed.awx.findJobTemplate(name, options)),
        job_slice_count: 1,
      }),
      launch: async (id, request, options) => {
        launchedWith = request.credentials ?? [];
        try {
          return await bed.awx.launch(id, request, options);
        } catch (error) {
          if (error instanceof AwxWorkflowLaunchError) {
            await vi.waitFor(() => expect(workflowJob()?.status).toBe('running'), patience);
          }
          throw error;
        }
      },
    });
    const executor = bed.executor({ awx: stale });
    const wfe = makeExecution(template.name);
    await createSecret(bed.kube, env.namespace, `sliced-${wfe.metadata.uid}`, { token: 's3cret' });
    const dependencies = { secrets: [{ name: `sliced-${wfe.metadata.uid}` }] };

    const refused = await executor
      .create(wfe, env.namespace, { dependencies })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigurationError);
    const workflow = workflowJob();
    expect((refused as ConfigurationError).message).toContain(
      `launched workflow job ${workflow?.id} of sliced jobs`,
    );
    stillCanceling();
    // Its sliced jobs may still start with the execution's credentials: they stay, with the lock.
    const credentialIds = () => credentialsOf(bed.sim, wfe).map((credential) => credential.id);
    const kept = credentialIds();
    expect(kept).toHaveLength(1);
    expect(launchedWith).toEqual(expect.arrayContaining(kept));
    expect(await lockOf(bed.kube, env.namespace, wfe)).not.toBeNull();
    expect(await executor.getStatus(wfe, env.namespace)).toBeNull();

    // A retried create sees the workflow job and launches nothing until it has ended.
    const retried = await executor
      .create(wfe, env.namespace, { dependencies })
      .catch((e: unknown) => e);
    expect(retried).toEqual(new WorkflowJobCancelingError(workflow?.id as number));
    expect(retried).toMatchObject({ reason: 'AWXWorkflowJobCanceling', retryable: true });

    const early = await executor.cleanup(wfe, env.namespace).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(CleanupIncompleteError);
    expect(early).toMatchObject({ reason: 'AWXCleanupIncomplete', retryable: true });
    expect((early as CleanupIncompleteError).failures).toEqual([
      new WorkflowJobCancelingError(workflow?.id as number),
    ]);
    stillCanceling();
    // The very credential the sliced jobs were launched with: one deleted and made again would
    // leave them without theirs.
    expect(credentialIds()).toEqual(kept);
    expect(await lockOf(bed.kube, env.namespace, wfe)).not.toBeNull();
    expect(launches()).toBe(1);
    // Only the workflow job's own slices carry the marker, asked to stop with it.
    const slices = () => jobsOf(bed.sim, wfe).map((job) => [job.launchType, job.cancelFlag]);
    expect(slices()).toEqual([
      ['workflow', true],
      ['workflow', true],
    ]);

    // AWX ends it once its sliced jobs have: the retried cleanup clears everything.
    await vi.waitFor(() => expect(workflowJob()?.status).toBe('canceled'), {
      ...patience,
      timeout: cancelMs + patience.timeout,
    });
    await cleanUp(executor, wfe, env.namespace);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
    expect(launches()).toBe(1);
    expect(jobsOf(bed.sim, wfe).map((job) => [job.launchType, job.status])).toEqual([
      ['workflow', 'canceled'],
      ['workflow', 'canceled'],
    ]);
  });

  it('cancels the workflow job a sliced launch made when the launch answer was lost, adopting nothing', async () => {
    const template = seedTemplate(bed.sim, {
      jobSliceCount: 2,
      inventoryHosts: 2,
      schedule: { pendingMs: 60_000 },
    });
    // The answer, a workflow job, never arrives: the connection is reset after AWX made it.
    const lost = interceptAwx(bed.awx, (_operation, call) => call(), {
      findJobTemplate: async (name, options) => ({
        ...(await bed.awx.findJobTemplate(name, options)),
        job_slice_count: 1,
      }),
      launch: async (id, request, options) => {
        await bed.awx.launch(id, request, options).catch((error: unknown) => {
          if (!(error instanceof AwxWorkflowLaunchError)) throw error;
        });
        throw new AwxConnectionError(`POST job_templates/${id}/launch/`, {
          kind: 'interrupted',
          code: 'ECONNRESET',
        });
      },
    });
    const executor = bed.executor({ awx: lost });
    const wfe = makeExecution(template.name);
    await createSecret(bed.kube, env.namespace, `lost-${wfe.metadata.uid}`, { token: 's3cret' });
    const dependencies = { secrets: [{ name: `lost-${wfe.metadata.uid}` }] };

    const refused = await executor
      .create(wfe, env.namespace, { dependencies })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigurationError);
    const [workflow, ...more] = bed.sim.state
      .workflowJobs()
      .filter((w) => w.jobTemplate === template.id);
    expect(more).toEqual([]);
    expect((refused as ConfigurationError).message).toContain(
      `launched workflow job ${workflow?.id} of sliced jobs`,
    );
    expect(workflow?.status).toBe('canceled');
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });
});
