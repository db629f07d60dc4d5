import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  cleanUp,
  createSecret,
  credentialsOf,
  lockOf,
  makeExecution,
  seedTemplate,
  strandedJobs,
  useTestbed,
} from './testbed.js';

describeWithControlPlane('operationTimeoutMs on the ansible engine', () => {
  const { env, bed } = useTestbed();
  const dependencies = { secrets: [{ name: 'db' }] };

  beforeAll(async () => {
    await createSecret(bed.kube, env.namespace, 'db', { password: 'pw' });
  });
  afterEach(() => bed.sim.faults.clear());

  it('ends a create AWX keeps going with 503s, and cleanup deletes the credential its undo could not', async () => {
    const template = seedTemplate(bed.sim);
    // A client that would retry for ever: only the operation's bound ends it.
    const awx = bed.client({ retries: 100_000, minRetryDelayMs: 1, maxRetryDelayMs: 20 });
    const executor = bed.executor({ awx, operationTimeoutMs: 1_500 });
    const read = `/api/v2/job_templates/${template.id}/credentials/`;
    bed.sim.faults.failNext(1_000_000, 503, { method: 'GET', pathPrefix: read });
    bed.sim.faults.failNext(1_000_000, 503, {
      method: 'DELETE',
      pathPrefix: '/api/v2/credentials/',
    });
    const wfe = makeExecution(template.name);

    await expect(executor.create(wfe, env.namespace, { dependencies })).rejects.toMatchObject({
      reason: 'AWXOperationTimeout',
      retryable: true,
      endpoint: expect.stringMatching(new RegExp(`^GET job_templates/${template.id}/credentials/`)),
    });
    // Made before the bound ran out, not deleted by the undo (AWX kept refusing), still found.
    expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);
    expect(await lockOf(bed.kube, env.namespace, wfe)).not.toBeNull();

    bed.sim.faults.clear();
    await cleanUp(executor, wfe, env.namespace);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
    expect(strandedJobs(bed.sim)).toEqual([]);
    expect(bed.sim.state.jobs().filter((job) => job.jobTemplate === template.id)).toEqual([]);
  });
});
