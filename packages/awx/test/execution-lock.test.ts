import { awxJobRef, CreateInProgressError, LockLostError, launchRecordKey } from '@roundhouse/awx';
import {
  executionResourceName,
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  roundhouseConventions,
} from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
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
  settle,
  strandedJobs,
  useTestbed,
  withRef,
} from './testbed.js';

describeWithControlPlane('the ansible engine’s lock per target and claim per execution', () => {
  const { env, bed } = useTestbed();

  it('takes the target’s lock before anything in AWX and refuses another execution as every engine does', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 200 } });
    const executor = bed.executor();
    const first = makeExecution(template.name);
    const { resourceName } = await executor.create(first, env.namespace);
    const lock = await lockOf(bed.kube, env.namespace, first);
    expect(lock?.metadata).toMatchObject({
      name: executionResourceName(first.spec.targetResource),
      labels: {
        'roundhouse.dev/workflow-execution': first.metadata.name,
        'roundhouse.dev/source-namespace': 'team-a',
        'roundhouse.dev/execution-engine': 'ansible',
      },
      annotations: { 'roundhouse.dev/workflow-execution-uid': first.metadata.uid },
    });
    expect(lock?.spec?.holderIdentity).toBe(`team-a/${first.metadata.name}`);
    const record = JSON.parse(
      lock?.metadata?.annotations?.[launchRecordKey(roundhouseConventions)] ?? '{}',
    );
    expect(record).toMatchObject({ job: Number(resourceName.slice('awx-job-'.length)) });

    const second = makeExecution(template.name, { targetResource: first.spec.targetResource });
    const before = bed.sim.requests.length;
    await expect(executor.create(second, env.namespace)).rejects.toBeInstanceOf(
      ResourceLockedError,
    );
    // Refused by the lock: AWX never heard of the second execution.
    expect(bed.sim.requests.length).toBe(before);

    // Its job finished: the lock now waits for cleanup rather than being busy.
    await settle(executor, withRef(first, resourceName), env.namespace);
    await expect(executor.create(second, env.namespace)).rejects.toBeInstanceOf(
      PreviousExecutionNotCleanedError,
    );
    await cleanUp(executor, withRef(first, resourceName), env.namespace);
    expect(await lockOf(bed.kube, env.namespace, first)).toBeNull();
    const { resourceName: next } = await executor.create(second, env.namespace);
    expect(jobsOf(bed.sim, second).map((j) => awxJobRef(j.id))).toEqual([next]);
    await cleanUp(executor, withRef(second, next), env.namespace);
  });

  it('lets two creates of one execution at once launch one job, whose credentials stay', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 60_000 } });
    const wfe = makeExecution(template.name);
    const dependencies = await ownSecret(bed.kube, env.namespace, wfe);
    // Two replicas during a leader hand-over: two executors, one execution.
    const replicas = [bed.executor(), bed.executor()];
    const outcomes = await Promise.allSettled(
      replicas.map((replica) => replica.create(wfe, env.namespace, { dependencies })),
    );
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    for (const reason of refused) {
      expect(reason).toBeInstanceOf(CreateInProgressError);
      expect(reason).toMatchObject({ retryable: true });
    }
    const jobs = jobsOf(bed.sim, wfe);
    expect(jobs).toHaveLength(1);
    const ref = awxJobRef(jobs[0]!.id);
    for (const replica of replicas) {
      expect((await replica.create(wfe, env.namespace, { dependencies })).resourceName).toBe(ref);
    }
    expect(jobsOf(bed.sim, wfe)).toHaveLength(1);
    expect(bed.sim.state.job(jobs[0]!.id)?.credentials).toEqual(
      credentialsOf(bed.sim, wfe).map((c) => c.id),
    );
    expect(strandedJobs(bed.sim)).toEqual([]);
    await cleanUp(replicas[0]!, withRef(wfe, ref), env.namespace);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
  });

  it('waits for a create that stopped answering until its claim goes stale, then takes over and launches once', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 60_000 } });
    const wfe = makeExecution(template.name);
    const dependencies = await ownSecret(bed.kube, env.namespace, wfe);
    let resume: () => void = () => {};
    const resumed = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let stalled = false;
    const stalling = interceptAwx(bed.awx, async (operation, call) => {
      // The old leader stops right before making its credential, as a paused process would.
      if (operation === 'createCredential' && !stalled) {
        stalled = true;
        await resumed;
      }
      return call();
    });
    const clock = manualClock();
    const oldLeader = bed
      .executor({ awx: stalling, now: clock.now })
      .create(wfe, env.namespace, { dependencies });
    await vi.waitFor(() => expect(stalled).toBe(true), patience);

    const newLeader = bed.executor({ now: clock.now });
    await expect(newLeader.create(wfe, env.namespace, { dependencies })).rejects.toBeInstanceOf(
      CreateInProgressError,
    );
    clock.advance(60_000);
    const { resourceName } = await newLeader.create(wfe, env.namespace, { dependencies });

    // The old leader wakes up, makes its credential, and learns at its next write it lost.
    resume();
    await expect(oldLeader).rejects.toBeInstanceOf(LockLostError);
    const jobs = jobsOf(bed.sim, wfe);
    expect(jobs.map((j) => awxJobRef(j.id))).toEqual([resourceName]);
    expect(credentialsOf(bed.sim, wfe).map((c) => c.id)).toEqual(
      bed.sim.state.job(jobs[0]!.id)?.credentials,
    );
    expect(strandedJobs(bed.sim)).toEqual([]);
    await cleanUp(newLeader, withRef(wfe, resourceName), env.namespace);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });

  it('releases the target when a create is refused before anything ran', async () => {
    const template = seedTemplate(bed.sim, { askVariablesOnLaunch: false });
    const wfe = makeExecution(template.name);
    await expect(bed.executor().create(wfe, env.namespace)).rejects.toMatchObject({
      reason: 'ConfigurationError',
    });
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });
});
