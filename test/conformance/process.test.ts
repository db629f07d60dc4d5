import { join } from 'node:path';
import { ProcessExecutor, ProcessSupervisor } from '@roundhouse/process';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeProcessEngineConformance } from '../../packages/process/test/conformance-harness.js';
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

  describeProcessEngineConformance({
    engine: 'process',
    bundleRoot: join(dir.path, 'bundles'),
    controlDir: dir.path,
    executor: (settings) => new ProcessExecutor(supervisor, settings),
    labelsOf: async (name) => supervisor.get(name)?.labels,
  });
});
