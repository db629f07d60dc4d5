import { AwxApiError, awxJobRef } from '@roundhouse/awx';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createSecret,
  interceptAwx,
  jobsOf,
  makeExecution,
  patience,
  seedTemplate,
  startTestbed,
  type Testbed,
  withRef,
} from './testbed.js';

/** What a dying process leaves: the call in flight completed, nothing after it ran. */
class Crash extends Error {}

describeWithControlPlane('AnsibleExecutor after crashes and lost answers', () => {
  const env = useTestNamespace();
  let bed: Testbed;

  beforeAll(async () => {
    bed = await startTestbed(env);
  });

  afterEach(() => bed.sim.faults.clear());

  afterAll(async () => {
    await bed?.stop();
  });

  const apiCredentials = () => bed.sim.state.liveCredentials({ origin: 'api' });

  /** A fresh execution with its own Secret, so every create runs the whole sequence. */
  async function scenario(template: string) {
    const wfe = makeExecution(template);
    const secret = `s-${wfe.metadata.uid}`;
    await createSecret(bed.kube, env.namespace, secret, { password: 'pw' });
    return { wfe, dependencies: { secrets: [{ name: secret }] } };
  }

  describe('a create that dies after any AWX call', () => {
    it('is completed by the retried create, launching once, and cleanup leaves nothing', async () => {
      const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 60_000 } });
      const operations: string[] = [];
      const counting = interceptAwx(bed.awx, (operation, call) => {
        operations.push(operation);
        return call();
      });
      const probe = await scenario(template.name);
      await bed.executor({ awx: counting }).create(probe.wfe, env.namespace, probe);
      await bed.executor().cleanup(probe.wfe, env.namespace);
      expect(operations).toEqual([
        'findJobTemplate',
        'findJob',
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
        ).rejects.toBeInstanceOf(Crash);

        const executor = bed.executor();
        const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
        const jobs = jobsOf(bed.sim, wfe);
        expect(
          jobs.map((j) => awxJobRef(j.id)),
          `crash after ${operation}`,
        ).toEqual([resourceName]);
        await executor.cleanup(withRef(wfe, resourceName), env.namespace);
        expect(apiCredentials(), `crash after ${operation}`).toEqual([]);
        await vi.waitFor(
          () => expect(bed.sim.state.job(jobs[0]!.id)?.status).toBe('canceled'),
          patience,
        );
      }
    });

    it('leaves nothing once cleaned up, even if it never launched and no create is retried', async () => {
      const template = seedTemplate(bed.sim);
      const { wfe, dependencies } = await scenario(template.name);
      let launches = 0;
      const dying = interceptAwx(bed.awx, async (operation, call) => {
        if (operation === 'launch' || launches > 0) {
          launches++;
          throw new Crash('the process died before launching');
        }
        return call();
      });
      await expect(
        bed.executor({ awx: dying }).create(wfe, env.namespace, { dependencies }),
      ).rejects.toBeInstanceOf(Crash);
      expect(apiCredentials()).toHaveLength(1);
      // Nothing was recorded: cleanup finds the credential by its name alone.
      await bed.executor().cleanup(wfe, env.namespace);
      expect(apiCredentials()).toEqual([]);
      expect(jobsOf(bed.sim, wfe)).toEqual([]);
    });
  });

  it('adopts the job when the launch answer is lost after AWX created it', async () => {
    const template = seedTemplate(bed.sim);
    const { wfe, dependencies } = await scenario(template.name);
    bed.sim.faults.resetNext(1, {
      method: 'POST',
      pathPrefix: '/api/v2/job_templates/',
      when: 'after',
    });
    const executor = bed.executor();
    const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
    expect(jobsOf(bed.sim, wfe).map((j) => awxJobRef(j.id))).toEqual([resourceName]);
    expect(apiCredentials()).toHaveLength(1);
    await executor.cleanup(withRef(wfe, resourceName), env.namespace);
    expect(apiCredentials()).toEqual([]);
  });

  it('gives a gateway-refused launch back as retryable, with nothing left, then launches once', async () => {
    const template = seedTemplate(bed.sim);
    const { wfe, dependencies } = await scenario(template.name);
    bed.sim.faults.failNext(1, 503, { method: 'POST', pathPrefix: '/api/v2/job_templates/' });
    const executor = bed.executor();
    const error = await executor
      .create(wfe, env.namespace, { dependencies })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxApiError);
    expect(error).toMatchObject({ statusCode: 503, retryable: true });
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(apiCredentials()).toEqual([]);

    const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
    expect(jobsOf(bed.sim, wfe).map((j) => awxJobRef(j.id))).toEqual([resourceName]);
    await executor.cleanup(withRef(wfe, resourceName), env.namespace);
    expect(apiCredentials()).toEqual([]);
  });

  it('deletes a credential whose create answer was lost', async () => {
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
    expect(apiCredentials()).toEqual([]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
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
    await executor.cleanup(withRef(wfe, resourceName), env.namespace);
    expect(apiCredentials()).toEqual([]);
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
    expect(apiCredentials()).toEqual([]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });
});
