import {
  AwxConnectionError,
  AwxWorkflowLaunchError,
  WorkflowJobCancelingError,
} from '@roundhouse/awx';
import type { AwxSimulator, JobTemplate } from '@roundhouse/awx-simulator';
import { ConfigurationError, type WorkflowExecution } from '@roundhouse/core';
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
  type Testbed,
  useTestbed,
} from './testbed.js';

/** What a dying process leaves: the call in flight completed, nothing after it ran. */
class Crash extends Error {}

/** The slice jobs the simulator's workflow manager spawned for the template's sliced launch. */
function slicesOf(sim: AwxSimulator, template: JobTemplate) {
  return sim.state
    .jobs()
    .filter((j) => j.jobTemplate === template.id && j.launchType === 'workflow');
}

function workflowJobOf(sim: AwxSimulator, template: JobTemplate) {
  const [only, ...more] = sim.state.workflowJobs().filter((w) => w.jobTemplate === template.id);
  expect(more).toEqual([]);
  return only;
}

/**
 * A client whose template read predates slicing being turned on, and whose launch answer is
 * lost (a reset connection) once AWX has made the workflow job and `ready` holds of it.
 */
function staleAndLost(bed: Testbed, ready: () => Promise<void>) {
  return interceptAwx(bed.awx, (_operation, call) => call(), {
    findJobTemplate: async (name, options) => ({
      ...(await bed.awx.findJobTemplate(name, options)),
      job_slice_count: 1,
    }),
    launch: async (id, request, options) => {
      await bed.awx.launch(id, request, options).catch((error: unknown) => {
        if (!(error instanceof AwxWorkflowLaunchError)) throw error;
      });
      await ready();
      throw new AwxConnectionError(`POST job_templates/${id}/launch/`, {
        kind: 'interrupted',
        code: 'ECONNRESET',
      });
    },
  });
}

/**
 * Once AWX has canceled the workflow job (within `cancelMs`), a retried cleanup clears the
 * credentials and the lock, and every slice is canceled.
 */
async function expectClearedOnceCanceled(
  bed: Testbed,
  namespace: string,
  executor: ReturnType<Testbed['executor']>,
  wfe: WorkflowExecution,
  template: JobTemplate,
  cancelMs: number,
) {
  await vi.waitFor(() => expect(workflowJobOf(bed.sim, template)?.status).toBe('canceled'), {
    ...patience,
    timeout: cancelMs + patience.timeout,
  });
  await cleanUp(executor, wfe, namespace);
  expect(credentialsOf(bed.sim, wfe)).toEqual([]);
  expect(await lockOf(bed.kube, namespace, wfe)).toBeNull();
  expect(slicesOf(bed.sim, template).map((j) => j.status)).toEqual(['canceled', 'canceled']);
}

describeWithControlPlane(
  'AnsibleExecutor and the slice jobs of a sliced launch it lost track of',
  () => {
    const { env, bed } = useTestbed();

    it('finds a running slice by the marker, adopts none, and keeps the credentials until AWX has canceled them all', async () => {
      const cancelMs = 3_000;
      const template = seedTemplate(bed.sim, {
        jobSliceCount: 2,
        inventoryHosts: 2,
        schedule: { pendingMs: 0, runningMs: 60_000, cancelMs },
      });
      const lost = staleAndLost(bed, () =>
        vi.waitFor(
          () =>
            expect(slicesOf(bed.sim, template).map((j) => j.status)).toEqual([
              'running',
              'running',
            ]),
          patience,
        ),
      );
      const executor = bed.executor({ awx: lost });
      const wfe = makeExecution(template.name);
      await createSecret(bed.kube, env.namespace, `slices-${wfe.metadata.uid}`, {
        token: 's3cret',
      });
      const dependencies = { secrets: [{ name: `slices-${wfe.metadata.uid}` }] };

      const refused = await executor
        .create(wfe, env.namespace, { dependencies })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConfigurationError);
      const workflow = workflowJobOf(bed.sim, template);
      expect((refused as ConfigurationError).message).toContain(
        `launched workflow job ${workflow?.id} of sliced jobs`,
      );
      // Every slice carries the marker, and none became the execution's job.
      expect(jobsOf(bed.sim, wfe).map((j) => j.launchType)).toEqual(['workflow', 'workflow']);
      expect(await executor.getStatus(wfe, env.namespace)).toBeNull();
      // The workflow job was canceled, so AWX is canceling its slices; they may still use the
      // credentials, which stay with the lock until they have stopped.
      expect(workflowJobOf(bed.sim, template)).toMatchObject({
        status: 'running',
        cancelFlag: true,
      });
      expect(slicesOf(bed.sim, template).every((j) => j.cancelFlag)).toBe(true);
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);
      expect(await lockOf(bed.kube, env.namespace, wfe)).not.toBeNull();

      const early = await executor.cleanup(wfe, env.namespace).catch((e: unknown) => e);
      expect(early).toMatchObject({ reason: 'AWXCleanupIncomplete', retryable: true });
      expect((early as { failures: unknown[] }).failures).toEqual([
        new WorkflowJobCancelingError(workflow?.id as number),
      ]);
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);

      await expectClearedOnceCanceled(bed, env.namespace, executor, wfe, template, cancelMs);
      // Nothing launched again.
      const launches = bed.sim.requests.filter(
        (r) =>
          r.method === 'POST' && r.path.startsWith(`/api/v2/job_templates/${template.id}/launch/`),
      );
      expect(launches).toHaveLength(1);
    });

    it('after a create that died with the launch, cleanup finds a slice by the marker and cancels its workflow job, not the slice', async () => {
      const cancelMs = 2_000;
      const template = seedTemplate(bed.sim, {
        jobSliceCount: 2,
        inventoryHosts: 2,
        schedule: { pendingMs: 0, runningMs: 60_000, cancelMs },
      });
      // What a dying process leaves: the launch went out, and no AWX call after it ran.
      let dead = false;
      const dying = interceptAwx(
        bed.awx,
        (_operation, call) => (dead ? Promise.reject(new Crash('the process is gone')) : call()),
        {
          findJobTemplate: async (name, options) => ({
            ...(await bed.awx.findJobTemplate(name, options)),
            job_slice_count: 1,
          }),
          launch: async (id, request, options) => {
            await bed.awx.launch(id, request, options).catch((error: unknown) => {
              if (!(error instanceof AwxWorkflowLaunchError)) throw error;
            });
            await vi.waitFor(
              () =>
                expect(slicesOf(bed.sim, template).map((j) => j.status)).toEqual([
                  'running',
                  'running',
                ]),
              patience,
            );
            dead = true;
            throw new Crash('the process died during the launch');
          },
        },
      );
      const wfe = makeExecution(template.name);
      await createSecret(bed.kube, env.namespace, `died-${wfe.metadata.uid}`, { token: 's3cret' });
      const dependencies = { secrets: [{ name: `died-${wfe.metadata.uid}` }] };
      await expect(
        bed.executor({ awx: dying }).create(wfe, env.namespace, { dependencies }),
      ).rejects.toBeInstanceOf(Error);
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);
      const workflow = workflowJobOf(bed.sim, template);
      expect(workflow).toMatchObject({ status: 'running', cancelFlag: false });

      const executor = bed.executor();
      expect(await executor.getStatus(wfe, env.namespace)).toBeNull();
      const early = await executor.cleanup(wfe, env.namespace).catch((e: unknown) => e);
      expect(early).toMatchObject({ reason: 'AWXCleanupIncomplete', retryable: true });
      expect((early as { failures: unknown[] }).failures).toEqual([
        new WorkflowJobCancelingError(workflow?.id as number),
      ]);
      // The workflow job was canceled, and through it every slice; none was canceled on its own.
      expect(workflowJobOf(bed.sim, template)?.cancelFlag).toBe(true);
      expect(slicesOf(bed.sim, template).every((j) => j.cancelFlag)).toBe(true);
      expect(
        bed.sim.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v2/jobs/')),
      ).toEqual([]);
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);
      expect(await lockOf(bed.kube, env.namespace, wfe)).not.toBeNull();

      await expectClearedOnceCanceled(bed, env.namespace, executor, wfe, template, cancelMs);
    });

    it('adopts no slice that already finished, and lets the credentials go at once', async () => {
      const template = seedTemplate(bed.sim, {
        jobSliceCount: 3,
        inventoryHosts: 3,
        schedule: { pendingMs: 0, runningMs: 50 },
      });
      const lost = staleAndLost(bed, () =>
        vi.waitFor(
          () => expect(workflowJobOf(bed.sim, template)?.status).toBe('successful'),
          patience,
        ),
      );
      const executor = bed.executor({ awx: lost });
      const wfe = makeExecution(template.name);
      await createSecret(bed.kube, env.namespace, `done-${wfe.metadata.uid}`, { token: 's3cret' });
      const dependencies = { secrets: [{ name: `done-${wfe.metadata.uid}` }] };

      const refused = await executor
        .create(wfe, env.namespace, { dependencies })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConfigurationError);
      expect((refused as ConfigurationError).message).toContain(
        `launched workflow job ${workflowJobOf(bed.sim, template)?.id} of sliced jobs`,
      );
      expect(slicesOf(bed.sim, template).map((j) => j.status)).toEqual([
        'successful',
        'successful',
        'successful',
      ]);
      expect(await executor.getStatus(wfe, env.namespace)).toBeNull();
      expect(credentialsOf(bed.sim, wfe)).toEqual([]);
      expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
    });
  },
);
