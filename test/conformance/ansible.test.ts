import {
  type ConformanceHarness,
  describeExecutorConformance,
} from '@roundhouse/core/testing/conformance';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  cleanUp,
  createSecret,
  jobsOf,
  makeExecution,
  patience,
  seedTemplate,
  startTestbed,
  type Testbed,
  withRef,
} from '../../packages/awx/test/testbed.js';
import { describeEachPreset } from '../support/presets.js';

describeWithControlPlane('ansible engine conformance', () => {
  const env = useTestNamespace({ prefix: 'conformance-ansible' });
  let bed: Testbed;
  let templateName: string;

  beforeAll(async () => {
    bed = await startTestbed(env);
    // Jobs succeed on their own after a few seconds; failing one means canceling it first.
    templateName = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 3_000 } }).name;
  });

  afterAll(async () => {
    await bed?.stop();
  });

  describeEachPreset((conventions, preset) => {
    const harness = (): ConformanceHarness => ({
      executor: bed.executor({ conventions }),
      namespace: env.namespace,
      makeExecution: (options = {}) => makeExecution(templateName, options),
      driveToSuccess: async () => {},
      driveToFailure: async (_wfe, resourceName) => {
        expect(await bed.awx.cancelJob(Number(resourceName.replace('awx-job-', '')))).toBe(
          'requested',
        );
      },
      settleTimeoutMs: patience.timeout,
      pollIntervalMs: patience.interval,
      // An AWX job is history: cleanup cancels it and keeps it.
      recordOutlivesCleanup: true,
    });

    describeExecutorConformance(`ansible (${preset})`, harness, { timeoutMs: 60_000 });

    it('cleanup stops the job and removes its credentials', async () => {
      const { executor, namespace } = harness();
      const created = makeExecution(templateName);
      const secret = `conformance-${preset}`;
      await createSecret(bed.kube, namespace, secret, { key: 'value' });
      const { resourceName } = await executor.create(created, namespace, {
        dependencies: { secrets: [{ name: secret }] },
      });
      // The preset names what AWX sees: the execution marker and the shared credential type.
      const [job] = jobsOf(bed.sim, created);
      expect(JSON.parse(job?.extraVars ?? '{}')).toHaveProperty(
        `${conventions.envPrefix}_EXECUTION_ID`,
      );
      expect(bed.sim.state.credentialTypes().map((type) => type.name)).toContain(
        `${preset}-secret-${secret}`,
      );
      const wfe = withRef(created, resourceName);
      await cleanUp(executor, wfe, namespace);
      await cleanUp(executor, wfe, namespace);
      expect(bed.sim.state.liveCredentials({ origin: 'api' })).toEqual([]);
      expect(jobsOf(bed.sim, created)).toHaveLength(1);
      await vi.waitFor(async () => {
        expect(await executor.getStatus(wfe, namespace)).toMatchObject({
          phase: 'Failed',
          reason: 'AWXJobCanceled',
        });
      }, patience);
    });
  });
});
