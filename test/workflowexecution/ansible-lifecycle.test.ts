import type { AwxClient } from '@roundhouse/awx';
import type { AwxSimulator } from '@roundhouse/awx-simulator';
import { executionResourceName, type WorkflowExecution } from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import { onAwx, useAwxSimulator } from './awx.js';
import { useController } from './controller-fixture.js';
import { apply, condition, manifest, patience, waitForPhase } from './harness.js';

describeWithControlPlane('WorkflowExecution controller with the ansible engine', () => {
  const awxFixture = useAwxSimulator();
  const cluster = useController('wfe-ansible');
  const { env, client } = cluster;
  let simulator: AwxSimulator;
  let awx: AwxClient;

  /** An execution that runs AWX's job template `template`. */
  const ansible = (template: string, overrides: Parameters<typeof manifest>[0] = {}) =>
    manifest({
      engine: 'ansible',
      engineConfig: { jobTemplateName: template, playbookPath: 'site.yml' },
      ...overrides,
    });

  /** A job template whose jobs run for `runningMs` unless canceled. */
  const addLongTemplate = (name: string, runningMs: number) =>
    simulator.state.addJobTemplate({
      name,
      askVariablesOnLaunch: true,
      schedule: { pendingMs: 20, runningMs },
    });

  /** The AWX job launched for the execution `name`. */
  const jobFor = (name: string) =>
    simulator.state.jobs().find((j) => j.extraVars.includes(`"WFE_NAME": "${name}"`));

  const awxJobId = (wfe: WorkflowExecution) =>
    Number(wfe.status?.executionRef?.name.replace('awx-job-', ''));

  const lockOn = (namespace: string, target: string) =>
    client().get(resources.leases, namespace, executionResourceName(target));

  beforeAll(async () => {
    // The fixture's, started by its own beforeAll before this one.
    ({ simulator, awx } = awxFixture);
    for (const [name, outcome] of [
      ['restart', 'successful'],
      ['broken', 'failed'],
    ] as const) {
      simulator.state.addJobTemplate({
        name,
        askVariablesOnLaunch: true,
        askCredentialOnLaunch: true,
        schedule: {
          pendingMs: 100,
          runningMs: 800,
          outcome,
          jobExplanation: outcome === 'failed' ? 'host unreachable' : '',
        },
      });
    }
    await client().create(resources.secrets, cluster.executionNamespace, {
      metadata: { name: 'db', annotations: { 'roundhouse.dev/allowed-namespaces': '*' } },
      stringData: { password: 'canary-7d1e-secret' },
    });
    await cluster.start(onAwx(awx, client()));
  });

  it('polls an AWX job to Completed and removes its ephemeral credential after the cooldown', async () => {
    const wfe = await cluster.apply(
      ansible('restart', { dependencies: { secrets: [{ name: 'db' }] } }),
    );
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    expect(running.status?.executionRef?.name).toMatch(/^awx-job-\d+$/);
    expect(simulator.state.liveCredentials({ origin: 'api' })).toHaveLength(1);
    await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    await vi.waitFor(async () => {
      const current = await cluster.read(wfe.metadata.name);
      expect(condition(current, 'LockReleased')?.status).toBe('True');
      expect(simulator.state.liveCredentials({ origin: 'api' })).toEqual([]);
    }, patience);
    expect(simulator.state.jobs()).toHaveLength(1);
  });

  it('never sends AWX a Secret that did not opt in to the execution namespace', async () => {
    await client().create(resources.secrets, cluster.executionNamespace, {
      metadata: { name: 'victim' },
      stringData: { password: 'victim-canary-91f2' },
    });
    const jobsBefore = simulator.state.jobs().length;
    const credentialsBefore = simulator.state.liveCredentials({ origin: 'api' }).length;
    const wfe = await cluster.apply(
      ansible('restart', { dependencies: { secrets: [{ name: 'victim' }] } }),
    );
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Forbidden',
      wasExecutionFailure: false,
    });
    expect(simulator.state.jobs()).toHaveLength(jobsBefore);
    expect(simulator.state.liveCredentials({ origin: 'api' })).toHaveLength(credentialsBefore);
  });

  it("fails with TaskFailed and AWX's explanation, never showing the secret", async () => {
    const wfe = await cluster.apply(
      ansible('broken', { dependencies: { secrets: [{ name: 'db' }] } }),
    );
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'TaskFailed',
      wasExecutionFailure: true,
    });
    expect(failed.status?.failureDetails?.message).toContain('host unreachable');
    expect(JSON.stringify(failed)).not.toContain('canary-7d1e-secret');
  });

  it('fails an execution naming a job template that does not exist as a ConfigurationError', async () => {
    const wfe = await cluster.apply(ansible('no-such-template'));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'ConfigurationError',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain('no-such-template');
    expect(simulator.state.jobs()).toHaveLength(2);
  });

  it('holds the target in the execution namespace while the job runs: a second execution on it is refused', async () => {
    addLongTemplate('slow', 60_000);
    const target = 'prod/deployment/locked-app';
    const first = await cluster.apply(ansible('slow', { target }));
    await cluster.waitForPhase(first.metadata.name, 'Running');
    const lock = await lockOn(cluster.executionNamespace, target);
    expect(lock?.metadata?.labels).toMatchObject({
      'roundhouse.dev/workflow-execution': first.metadata.name,
      'roundhouse.dev/source-namespace': env.namespace,
    });
    const jobsBefore = simulator.state.jobs().length;
    const second = await cluster.apply(ansible('slow', { target }));
    const refused = await cluster.waitForPhase(second.metadata.name, 'Failed');
    expect(refused.status?.failureDetails).toMatchObject({
      reason: 'Deduplicated',
      wasExecutionFailure: false,
    });
    expect(simulator.state.jobs()).toHaveLength(jobsBefore);

    // Deleting the first runs its cleanup: the job is canceled and the target released.
    await client().delete(workflowExecutions, env.namespace, first.metadata.name);
    await vi.waitFor(async () => {
      expect(await cluster.read(first.metadata.name)).toBeNull();
      expect(await lockOn(cluster.executionNamespace, target)).toBeNull();
    }, patience);
    expect(jobFor(first.metadata.name)?.cancelFlag).toBe(true);
  });

  it('stops a job past executionConfig.timeout through cleanup when the template cannot take it', async () => {
    const watchNamespace = await env.controlPlane.createNamespace('wfe-ansible-deadline');
    const deadlineNamespace = await env.controlPlane.createNamespace('wfe-ansible-deadline-exec');
    addLongTemplate('endless', 600_000);
    await cluster.start({
      ...onAwx(awx, client()),
      watchNamespace,
      executionNamespace: deadlineNamespace,
      pollIntervalMs: { initial: 200, max: 500 },
      deadlineGraceMs: 0,
    });
    const wfe = await apply(client(), watchNamespace, ansible('endless', { timeout: '2s' }));
    const failed = await waitForPhase(client(), watchNamespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      wasExecutionFailure: true,
    });
    const job = jobFor(wfe.metadata.name);
    await vi.waitFor(() => expect(simulator.state.job(job!.id)?.status).toBe('canceled'), patience);
    await vi.waitFor(async () => {
      expect(await lockOn(deadlineNamespace, wfe.spec.targetResource)).toBeNull();
    }, patience);
  });

  it('E2E-WE-015-004: fails an execution whose AWX job someone canceled as TaskFailed', async () => {
    addLongTemplate('canceled-by-hand', 60_000);
    const wfe = await cluster.apply(ansible('canceled-by-hand'));
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    expect(await awx.cancelJob(awxJobId(running))).toBe('requested');
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'TaskFailed',
      wasExecutionFailure: true,
    });
    expect(failed.status?.executionStatus?.reason).toBe('AWXJobCanceled');
  });

  it('E2E-WE-015-003/006: passes a ConfigMap dependency as extra_vars and records how long the job ran', async () => {
    await client().create(resources.configMaps, cluster.executionNamespace, {
      metadata: { name: 'settings', annotations: { 'roundhouse.dev/allowed-namespaces': '*' } },
      data: { 'log-level': 'debug' },
    });
    const wfe = await cluster.apply(
      ansible('restart', { dependencies: { configMaps: [{ name: 'settings' }] } }),
    );
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.startTime).toBeDefined();
    expect(done.status?.completionTime).toBeDefined();
    expect(done.status?.duration).toMatch(/^\d+s$/);
    expect(JSON.parse(simulator.state.job(awxJobId(done))?.extraVars ?? '{}')).toMatchObject({
      ROUNDHOUSE_CONFIGMAP_SETTINGS_LOG_LEVEL: 'debug',
    });
  });
});
