import { AnsibleExecutor } from '@roundhouse/awx';
import { resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import {
  cleanUp,
  createSecret,
  makeExecution,
  seedTemplate,
  settle,
  spyKube,
  useTestbed,
  withRef,
} from './testbed.js';

describeWithControlPlane('AWX requests per launch', () => {
  const { env, bed } = useTestbed();

  beforeAll(async () => {
    await createSecret(bed.kube, env.namespace, 'db', { password: 'pw' });
  });

  /** The AWX requests each create sends, one count per launch. */
  async function requestsPerLaunch(
    template: string,
    launches: number,
    dependencies?: { secrets: { name: string }[] },
  ): Promise<string[][]> {
    const executor = bed.executor();
    const sent: string[][] = [];
    for (let i = 0; i < launches; i++) {
      const wfe = makeExecution(template);
      const before = bed.sim.requests.length;
      const { resourceName } = await executor.create(wfe, env.namespace, { dependencies });
      sent.push(bed.sim.requests.slice(before).map((r) => `${r.method} ${r.path.split('?')[0]}`));
      await cleanUp(executor, withRef(wfe, resourceName), env.namespace);
    }
    return sent;
  }

  it('sends 4 per launch with one Secret once the template and type are known', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 60_000 } });
    const [first, ...steady] = await requestsPerLaunch(template.name, 5, {
      secrets: [{ name: 'db' }],
    });
    // The first launch learns the template and the credential type.
    expect(first).toContain(`GET /api/v2/job_templates/`);
    for (const requests of steady) {
      // The template's credentials are read every time: one an admin removed must not be sent.
      expect(requests).toEqual([
        'GET /api/v2/credentials/',
        'POST /api/v2/credentials/',
        `GET /api/v2/job_templates/${template.id}/credentials/`,
        `POST /api/v2/job_templates/${template.id}/launch/`,
      ]);
    }
  });

  it('sends only the launch for an execution without Secrets', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 60_000 } });
    const [, ...steady] = await requestsPerLaunch(template.name, 3);
    for (const requests of steady) {
      expect(requests).toEqual([`POST /api/v2/job_templates/${template.id}/launch/`]);
    }
  });

  it('reads the lock once for a failure it reports, to scrub and to mark it finished, found or not', async () => {
    const template = seedTemplate(bed.sim, {
      schedule: { pendingMs: 0, runningMs: 50, outcome: 'failed', jobExplanation: 'boom' },
    });
    const leaseReads: string[] = [];
    const kube = spyKube(bed.kube, 'get', (type, _namespace, name) => {
      if (type === resources.leases) leaseReads.push(name);
    });
    const executor = new AnsibleExecutor(bed.awx, kube);
    const created = makeExecution(template.name);
    const dependencies = { secrets: [{ name: 'db' }] };
    const { resourceName } = await executor.create(created, env.namespace, { dependencies });
    for (const wfe of [withRef(created, resourceName), created]) {
      await settle(executor, wfe, env.namespace);
      leaseReads.length = 0;
      expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({ phase: 'Failed' });
      expect(leaseReads).toHaveLength(1);
    }
    await cleanUp(executor, withRef(created, resourceName), env.namespace);
    // Once the lock is gone, a read that found none is not made again.
    for (const wfe of [withRef(created, resourceName), created]) {
      leaseReads.length = 0;
      expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({ phase: 'Failed' });
      expect(leaseReads).toHaveLength(1);
    }
  });
});
