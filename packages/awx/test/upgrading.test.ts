import type { Logger } from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it } from 'vitest';
import {
  cleanUp,
  credentialsOf,
  jobsOf,
  makeExecution,
  ownSecret,
  seedTemplate,
  settle,
  useTestbed,
} from './testbed.js';

describeWithControlPlane('the ansible engine against an AWX applying its migrations', () => {
  const { env, bed } = useTestbed();
  afterEach(() => bed.sim.setUpgrading(false));

  it('fails a create while AWX upgrades as AWXUpgrading, retryable, having made nothing; the create succeeds once it is done', async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name);
    const dependencies = await ownSecret(bed.kube, env.namespace, wfe);
    const executor = bed.executor({ awx: bed.client({ retries: 2 }) });
    bed.sim.setUpgrading(true);

    await expect(executor.create(wfe, env.namespace, { dependencies })).rejects.toMatchObject({
      reason: 'AWXUpgrading',
      retryable: true,
    });
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);

    bed.sim.setUpgrading(false);
    await executor.create(wfe, env.namespace, { dependencies });
    expect((await settle(executor, wfe, env.namespace)).phase).toBe('Completed');
    expect(jobsOf(bed.sim, wfe)).toHaveLength(1);
  });

  it('launches one job when the upgrade ends while a create retries', async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name);
    const dependencies = await ownSecret(bed.kube, env.namespace, wfe);
    // The upgrade ends at the first retry: AWX redirected one request, and did nothing for it.
    const upgradeEnds: Logger = {
      ...bed.log.logger,
      debug: (fields, message) => {
        if (message === 'retrying AWX request') bed.sim.setUpgrading(false);
        bed.log.logger.debug(fields, message);
      },
    };
    const executor = bed.executor({ awx: bed.client({ logger: upgradeEnds }) });
    const before = bed.sim.requests.length;
    bed.sim.setUpgrading(true);

    await executor.create(wfe, env.namespace, { dependencies });
    expect(bed.sim.requests.slice(before).filter((r) => r.status === 302)).toHaveLength(1);
    expect((await settle(executor, wfe, env.namespace)).phase).toBe('Completed');
    expect(jobsOf(bed.sim, wfe)).toHaveLength(1);
    await cleanUp(executor, wfe, env.namespace);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
  });
});
