import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import {
  ConventionsMismatchError,
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnsibleExecutor } from './ansible-executor.js';
import { AwxClient } from './awx-client.js';
import { LockLostError } from './execution-errors.js';
import { awxJobRef } from './execution-jobs.js';
import { launchExtraVars } from './extra-vars-plan.js';
import { restartExecution, restartIdentity } from './fakes.test-support.js';
import { buildLaunchLock } from './launch-record.js';

/*
 * The execution's lock, a Lease, was made under the kubernaut preset before a restart under
 * roundhouse's: a status read that reads the lock says so, as it is (core's
 * ConventionsMismatchError), rather than reading the lock as gone or its write as lost.
 */

let sim: AwxSimulator;
let awx: AwxClient;

beforeAll(async () => {
  sim = await startAwxSimulator();
  awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 1 });
});
afterAll(async () => {
  await awx.close();
  await sim.stop();
});

/** A Kubernetes client holding only the lock made under kubernaut's conventions; counts reads. */
function kubeWithKubernautLock() {
  const lease = buildLaunchLock(restartExecution, 'ns', 'ansible', kubernautConventions, {
    credentials: [],
    finished: false,
  });
  const reads: string[] = [];
  const kube = {
    async get(_type: unknown, _namespace: string, name: string) {
      reads.push(name);
      return lease;
    },
  } as unknown as KubeClient;
  return { kube, reads };
}

/** A job of `restartExecution` (its marker under roundhouse's conventions), and its ref. */
async function jobOf(outcome: 'successful' | 'failed', runningMs: number) {
  const template = sim.state.addJobTemplate({
    name: `restart-${outcome}-${runningMs}`,
    askVariablesOnLaunch: true,
    schedule: { pendingMs: 0, runningMs, outcome, stdout: ['ok'], eventsLagMs: 0 },
  });
  const extraVars = launchExtraVars(restartExecution, restartIdentity, [], roundhouseConventions);
  const { job } = await awx.launch(template.id, { extraVars });
  return job;
}

function withJob(id: number): WorkflowExecution {
  return { ...restartExecution, status: { executionRef: { name: awxJobRef(id) } } };
}

describe('the status of an execution whose lock was made under the other conventions', () => {
  it('is the ConventionsMismatchError once the job ended, when the finished mark reads the lock', async () => {
    const id = await jobOf('successful', 0);
    while (!(await awx.getJob(id))?.finished) await new Promise((r) => setTimeout(r, 5));
    const { kube } = kubeWithKubernautLock();
    const ansible = new AnsibleExecutor(awx, kube);

    const failure = await ansible.getStatus(withJob(id), 'ns').catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ConventionsMismatchError);
    expect(failure).toMatchObject({
      reason: 'ConventionsMismatch',
      madeUnder: 'kubernaut',
      runningUnder: 'roundhouse',
    });
  });

  it('is the ConventionsMismatchError, not wrapped nor a lost lock, when the job is found by the lock', async () => {
    const { kube } = kubeWithKubernautLock();
    const ansible = new AnsibleExecutor(awx, kube);

    const failure = await ansible.getStatus(restartExecution, 'ns').catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ConventionsMismatchError);
    expect(failure).not.toBeInstanceOf(LockLostError);
  });

  it("is the running job's, read without the lock, while the job runs", async () => {
    const id = await jobOf('successful', 600_000);
    while ((await awx.getJob(id))?.status !== 'running') await new Promise((r) => setTimeout(r, 5));
    const { kube, reads } = kubeWithKubernautLock();
    const ansible = new AnsibleExecutor(awx, kube);

    expect(await ansible.getStatus(withJob(id), 'ns')).toMatchObject({ phase: 'Running' });
    expect(reads).toEqual([]);
  });
});
