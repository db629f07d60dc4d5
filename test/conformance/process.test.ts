import { join } from 'node:path';
import { type Conventions, kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import { describeExecutorConformance } from '@roundhouse/core/testing/conformance';
import { ProcessExecutor, ProcessSupervisor } from '@roundhouse/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processConformanceHarness } from '../../packages/process/test/conformance-harness.js';
import { removeAllTasks } from '../../packages/process/test/in-process-agent.js';
import { temporaryDirectory } from '../../packages/process/test/support.js';

/** The `process` engine: executions run as local processes, no cluster involved. */
describe('process engine conformance', () => {
  const dir = temporaryDirectory('conformance-process');
  let supervisor: ProcessSupervisor;

  beforeAll(async () => {
    supervisor = await ProcessSupervisor.open({
      dataDir: join(dir.path, 'data'),
      reconcileIntervalMs: 100,
      gracePeriodMs: 2000,
    });
  });

  afterAll(async () => {
    await removeAllTasks(supervisor);
    await supervisor.close();
    dir.remove();
  });

  const presets: [string, Conventions][] = [
    ['roundhouse', roundhouseConventions],
    ['kubernaut', kubernautConventions],
  ];
  for (const [preset, conventions] of presets) {
    describe(`with the ${preset} conventions`, () => {
      // One harness per preset, made on first use (after beforeAll), so its sequence of
      // targets keeps counting across checks and no two checks share a lock.
      let made: ReturnType<typeof processConformanceHarness> | undefined;
      const harness = () =>
        (made ??= processConformanceHarness({
          executor: new ProcessExecutor(supervisor, { conventions }),
          controlDir: dir.path,
          engine: 'process',
          conventions,
          prefix: `process-${preset}`,
        }));

      describeExecutorConformance(`process (${preset})`, harness);

      it(`labels its task with the ${conventions.labelPrefix} owner labels`, async () => {
        const h = harness();
        const wfe = h.makeExecution();
        const { resourceName } = await h.executor.create(wfe, h.namespace);
        expect(supervisor.get(resourceName)?.labels).toMatchObject({
          [`${conventions.labelPrefix}workflow-execution`]: wfe.metadata.name,
          [`${conventions.labelPrefix}source-namespace`]: wfe.metadata.namespace,
        });
        await h.executor.cleanup(wfe, h.namespace);
      });
    });
  }
});
