import { join } from 'node:path';
import { Registry } from '@roundhouse/core';
import { ProcessExecutor, ProcessSupervisor } from '@roundhouse/process';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, it } from 'vitest';
import { removeAllTasks } from '../../packages/process/test/in-process-agent.js';
import { temporaryDirectory } from '../../packages/process/test/support.js';
import { type Attack, executionAuthors } from '../support/execution-authors.js';
import { useController } from '../workflowexecution/controller-fixture.js';
import { manifest } from '../workflowexecution/harness.js';

/*
 * What a WorkflowExecution author who may create and read executions in their own namespace,
 * and nothing else, gets out of a controller running the process engine as an operator would
 * (a bundle directory, no command overrides): each attack is created by a minted non-admin user
 * against the real API server and a running controller, and must be refused by name with no
 * task recorded on the supervisor.
 */

describeWithControlPlane('a hostile WorkflowExecution author on the process engine', () => {
  const cluster = useController('wfe-process-hostile');
  const { env, client } = cluster;
  const dir = temporaryDirectory('process-hostile');
  let supervisor: ProcessSupervisor;

  beforeAll(async () => {
    supervisor = await ProcessSupervisor.open({
      dataDir: join(dir.path, 'data'),
      reconcileIntervalMs: 100,
      gracePeriodMs: 2000,
    });
    const executor = new ProcessExecutor(supervisor, { bundleRoot: join(dir.path, 'bundles') });
    await cluster.start({ registry: new Registry().register(executor) });
  });

  afterAll(async () => {
    await removeAllTasks(supervisor);
    await supervisor.close();
    dir.remove();
  });

  const authors = executionAuthors(env, client, 'wfe-process-hostile-author');
  const tasksOf = async (wfe: string) =>
    supervisor.list().filter((task) => task.labels?.['roundhouse.dev/workflow-execution'] === wfe);
  const expectRefused = (attacks: readonly Attack[]) =>
    authors.expectRefused(attacks, cluster.waitForStoredPhase, tasksOf);
  const process = (overrides: Parameters<typeof manifest>[0]) =>
    manifest({ engine: 'process', ...overrides });
  const config = 'spec.workflowRef.engineConfig';

  it('cannot run another program, pick its directory or container, or steer the bundle through its environment', async () => {
    await expectRefused([
      // Every override of the argv the bundle policy checked.
      ...(
        [
          ['command', ['/bin/sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token']],
          ['args', ['-c', 'id']],
          ['workingDir', '/'],
          ['execMode', 'Local'],
          ['lifecycle', { preStart: { exec: { command: ['/bin/sh', '-c', 'id'] } } }],
        ] as const
      ).map(([key, value]) => ({
        attack: process({ engineConfig: { [key]: value } }),
        reason: 'ConfigurationError',
        field: `${config}.${key}: is not allowed`,
      })),
      // Which program a bare name finds, what the loader or shell runs first.
      ...['PATH', 'LD_PRELOAD', 'BASH_ENV', 'SHELLOPTS'].map((name) => ({
        attack: process({ parameters: { [name]: '/tmp/x' } }),
        reason: 'ConfigurationError',
        field: `spec.parameters.${name}: is not allowed`,
      })),
      // The supervisor's own marker, which finds the task's processes.
      {
        attack: process({ parameters: { ROUNDHOUSE_TASK_UID: 'another-task' } }),
        reason: 'ConfigurationError',
        field: "spec.parameters.ROUNDHOUSE_TASK_UID: is set by the supervisor to the task's uid",
      },
      // A bundle outside the policy.
      {
        attack: process({ bundle: 'attacker.example/restart:1' }),
        reason: 'Forbidden',
        field: 'spec.workflowRef.executionBundle',
      },
    ]);
  });
});
