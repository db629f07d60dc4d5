import {
  AwxApiError,
  awxJobRef,
  JobCredentialsMissingError,
  LaunchUnresolvedError,
} from '@roundhouse/awx';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  cleanUp,
  credentialsOf,
  interceptAwx,
  jobsOf,
  lockOf,
  makeExecution,
  manualClock,
  ownSecret,
  patience,
  seedTemplate,
  strandedJobs,
  useTestbed,
  withRef,
} from './testbed.js';

/** What a dying process leaves: the call in flight completed, nothing after it ran. */
class Crash extends Error {}

/** The default launch commit window, and a moment more. */
const pastWindow = 5 * 60_000 + 1;

describeWithControlPlane('AnsibleExecutor after crashes and lost answers', () => {
  const { env, bed } = useTestbed();

  afterEach(() => bed.sim.faults.clear());

  /** A fresh execution with its own Secret, so every create runs the whole sequence. */
  async function scenario(template: string) {
    const wfe = makeExecution(template);
    return { wfe, dependencies: await ownSecret(bed.kube, env.namespace, wfe) };
  }

  /** AWX creates the job, and the connection drops before its answer arrives. */
  function loseLaunchAnswer() {
    bed.sim.faults.resetNext(1, {
      method: 'POST',
      pathPrefix: '/api/v2/job_templates/',
      when: 'after',
    });
  }

  /** Every look for the job fails, more often than the client retries. */
  function failJobLookups() {
    bed.sim.faults.failNext(50, 503, { method: 'GET', pathPrefix: '/api/v2/jobs/' });
  }

  /** Cleanup leaves nothing of the execution: no credential, no lock, the job stopped. */
  async function cleanedUp(wfe: Parameters<typeof jobsOf>[1], resourceName: string) {
    await cleanUp(bed.executor(), withRef(wfe, resourceName), env.namespace);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  }

  describe('a create that dies after any AWX call', () => {
    it('is completed by a retried create, launching once, and cleanup leaves nothing', async () => {
      const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 60_000 } });
      const operations: string[] = [];
      const counting = interceptAwx(bed.awx, (operation, call) => {
        operations.push(operation);
        return call();
      });
      const probe = await scenario(template.name);
      const { resourceName: probed } = await bed
        .executor({ awx: counting })
        .create(probe.wfe, env.namespace, probe);
      await cleanedUp(probe.wfe, probed);
      expect(operations).toEqual([
        'findJobTemplate',
        'launchRequirements',
        'listCredentials',
        'findCredentialType',
        'createCredentialType',
        'createCredential',
        'templateCredentials',
        'launch',
      ]);

      for (const [index, operation] of operations.entries()) {
        const { wfe, dependencies } = await scenario(template.name);
        let calls = 0;
        const dying = interceptAwx(bed.awx, async (_operation, call) => {
          if (calls > index) throw new Crash('the process is gone');
          calls++;
          const result = await call();
          if (calls > index) throw new Crash(`the process died after ${operation}`);
          return result;
        });
        await expect(
          bed.executor({ awx: dying }).create(wfe, env.namespace, { dependencies }),
          operation,
        ).rejects.toBeInstanceOf(Error);

        // A launch that may have gone out is waited for; only after the window is it repeated.
        let retried = await bed
          .executor()
          .create(wfe, env.namespace, { dependencies })
          .catch((e: unknown) => e);
        if (retried instanceof LaunchUnresolvedError) {
          expect(jobsOf(bed.sim, wfe), `crash after ${operation}`).toEqual([]);
          const later = manualClock(Date.now() + pastWindow);
          retried = await bed.executor({ now: later.now }).create(wfe, env.namespace, {
            dependencies,
          });
        }
        const { resourceName } = retried as { resourceName: string };
        const jobs = jobsOf(bed.sim, wfe);
        expect(
          jobs.map((j) => awxJobRef(j.id)),
          `crash after ${operation}`,
        ).toEqual([resourceName]);
        expect(jobs[0]?.credentials, `crash after ${operation}`).toHaveLength(1);
        await cleanedUp(wfe, resourceName);
        await vi.waitFor(
          () => expect(bed.sim.state.job(jobs[0]!.id)?.status).toBe('canceled'),
          patience,
        );
      }
      expect(strandedJobs(bed.sim)).toEqual([]);
    });

    it('leaves nothing once cleaned up, even if it never launched and no create is retried', async () => {
      const template = seedTemplate(bed.sim);
      const { wfe, dependencies } = await scenario(template.name);
      let dead = false;
      const dying = interceptAwx(bed.awx, async (operation, call) => {
        if (dead) throw new Crash('the process is gone');
        const result = await call();
        dead = operation === 'createCredential';
        return result;
      });
      await expect(
        bed.executor({ awx: dying }).create(wfe, env.namespace, { dependencies }),
      ).rejects.toBeInstanceOf(Crash);
      // The credential could not be deleted: the lock keeps the target and the record of it.
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);
      expect(await lockOf(bed.kube, env.namespace, wfe)).not.toBeNull();
      await cleanUp(bed.executor(), wfe, env.namespace);
      expect(credentialsOf(bed.sim, wfe)).toEqual([]);
      expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
      expect(jobsOf(bed.sim, wfe)).toEqual([]);
    });
  });

  describe('a launch whose answer was lost', () => {
    it('keeps its credentials when the follow-up lookup fails too, and the retried create adopts the job with them', async () => {
      // The job waits to start, as a job would behind a busy AWX: it must start with its credential.
      const template = seedTemplate(bed.sim, { schedule: { pendingMs: 60_000 } });
      const { wfe, dependencies } = await scenario(template.name);
      loseLaunchAnswer();
      failJobLookups();
      const executor = bed.executor();
      await expect(executor.create(wfe, env.namespace, { dependencies })).rejects.toMatchObject({
        reason: 'AWXLaunchUnresolved',
        retryable: true,
      });
      const [job] = jobsOf(bed.sim, wfe);
      expect(job?.credentials).toHaveLength(1);
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);
      expect(strandedJobs(bed.sim)).toEqual([]);

      bed.sim.faults.clear();
      const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
      expect(resourceName).toBe(awxJobRef(job!.id));
      expect(jobsOf(bed.sim, wfe)).toHaveLength(1);
      expect(bed.sim.state.job(job!.id)?.credentials).toEqual(job?.credentials);
      await cleanedUp(wfe, resourceName);
      expect(strandedJobs(bed.sim)).toEqual([]);
    });

    it('is not adopted when its job lost its credentials: the job is canceled and the create fails loudly', async () => {
      const template = seedTemplate(bed.sim, { schedule: { pendingMs: 60_000 } });
      const { wfe, dependencies } = await scenario(template.name);
      loseLaunchAnswer();
      failJobLookups();
      const executor = bed.executor();
      await expect(executor.create(wfe, env.namespace, { dependencies })).rejects.toBeInstanceOf(
        LaunchUnresolvedError,
      );
      bed.sim.faults.clear();
      // Someone deletes the credential behind the engine's back.
      for (const credential of credentialsOf(bed.sim, wfe)) {
        await bed.awx.deleteCredential(credential.id);
      }
      const [job] = jobsOf(bed.sim, wfe);
      const error = await executor
        .create(wfe, env.namespace, { dependencies })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobCredentialsMissingError);
      expect(error).toMatchObject({ jobId: job!.id, retryable: false });
      expect(bed.sim.state.job(job!.id)?.status).toBe('canceled');
      expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
      expect(jobsOf(bed.sim, wfe)).toHaveLength(1);
    });

    it('is never launched again while AWX may still commit it, and is adopted once it does', async () => {
      const template = seedTemplate(bed.sim);
      const { wfe, dependencies } = await scenario(template.name);
      const launches = () =>
        bed.sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/launch/')).length;
      const before = launches();
      bed.sim.faults.deferNext(1, { method: 'POST', pathPrefix: '/api/v2/job_templates/' });
      const executor = bed.executor();
      for (let retry = 0; retry < 3; retry++) {
        await expect(executor.create(wfe, env.namespace, { dependencies })).rejects.toBeInstanceOf(
          LaunchUnresolvedError,
        );
      }
      expect(launches() - before).toBe(1);
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);

      expect(bed.sim.faults.commitDeferred()).toBe(1);
      const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
      const jobs = jobsOf(bed.sim, wfe);
      expect(jobs.map((j) => awxJobRef(j.id))).toEqual([resourceName]);
      expect(jobs[0]?.credentials).toEqual(credentialsOf(bed.sim, wfe).map((c) => c.id));
      await cleanedUp(wfe, resourceName);
    });

    it('is launched again once the commit window passed without a job', async () => {
      const template = seedTemplate(bed.sim);
      const { wfe, dependencies } = await scenario(template.name);
      bed.sim.faults.failNext(1, 503, { method: 'POST', pathPrefix: '/api/v2/job_templates/' });
      const clock = manualClock();
      const executor = bed.executor({ now: clock.now });
      const error = await executor
        .create(wfe, env.namespace, { dependencies })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LaunchUnresolvedError);
      expect((error as Error).cause).toBeInstanceOf(AwxApiError);
      expect((error as Error).cause).toMatchObject({ statusCode: 503 });
      // Cleanup too leaves the credentials while the launch may still be committed.
      await expect(executor.cleanup(wfe, env.namespace)).rejects.toMatchObject({
        reason: 'AWXCleanupIncomplete',
        retryable: true,
      });
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);

      clock.advance(pastWindow);
      const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
      expect(jobsOf(bed.sim, wfe).map((j) => awxJobRef(j.id))).toEqual([resourceName]);
      await cleanedUp(wfe, resourceName);
    });

    it('is adopted at once when AWX created the job', async () => {
      const template = seedTemplate(bed.sim);
      const { wfe, dependencies } = await scenario(template.name);
      loseLaunchAnswer();
      const executor = bed.executor();
      const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
      expect(jobsOf(bed.sim, wfe).map((j) => awxJobRef(j.id))).toEqual([resourceName]);
      expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);
      await cleanedUp(wfe, resourceName);
    });
  });

  it('deletes a credential whose create answer was lost, and releases the target', async () => {
    const template = seedTemplate(bed.sim);
    const { wfe, dependencies } = await scenario(template.name);
    bed.sim.faults.resetNext(1, {
      method: 'POST',
      pathPrefix: '/api/v2/credentials/',
      when: 'after',
    });
    await expect(bed.executor().create(wfe, env.namespace, { dependencies })).rejects.toMatchObject(
      { reason: 'AWXUnreachable', retryable: true },
    );
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });

  it('rides out throttling and resets within one create', async () => {
    const template = seedTemplate(bed.sim);
    const { wfe, dependencies } = await scenario(template.name);
    bed.sim.faults.failNext(2, 429, {
      method: 'POST',
      pathPrefix: '/api/v2/job_templates/',
      retryAfterSeconds: 0,
    });
    bed.sim.faults.resetNext(2, { method: 'GET' });
    bed.sim.faults.failNext(1, 502, { method: 'DELETE' });
    const executor = bed.executor();
    const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
    expect(jobsOf(bed.sim, wfe).map((j) => awxJobRef(j.id))).toEqual([resourceName]);
    await cleanedUp(wfe, resourceName);
  });

  it('creates nothing when aborted between credentials and launch', async () => {
    const template = seedTemplate(bed.sim);
    const { wfe, dependencies } = await scenario(template.name);
    const controller = new AbortController();
    const aborting = interceptAwx(bed.awx, async (operation, call) => {
      const result = await call();
      if (operation === 'createCredential') controller.abort(new Error('shutting down'));
      return result;
    });
    await expect(
      bed
        .executor({ awx: aborting })
        .create(wfe, env.namespace, { dependencies, signal: controller.signal }),
    ).rejects.toMatchObject({ reason: 'Aborted' });
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });
});
