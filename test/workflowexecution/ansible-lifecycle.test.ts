import { AnsibleExecutor, AwxClient } from '@roundhouse/awx';
import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { executionResourceName, Registry } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  apply,
  manifest,
  patience,
  type RunningController,
  read,
  startController,
  waitForPhase,
} from './harness.js';

describeWithControlPlane('WorkflowExecution controller with the ansible engine', () => {
  const env = useTestNamespace({ prefix: 'wfe-ansible' });
  let executionNamespace: string;
  let simulator: AwxSimulator;
  let awx: AwxClient;
  let controller: RunningController;
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('wfe-ansible-exec');
    simulator = await startAwxSimulator();
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
    awx = new AwxClient({
      baseUrl: simulator.url,
      token: simulator.token,
      apiPrefix: simulator.apiPrefix,
    });
    await client().create(resources.secrets, executionNamespace, {
      metadata: { name: 'db', annotations: { 'roundhouse.dev/allowed-namespaces': '*' } },
      stringData: { password: 'canary-7d1e-secret' },
    });
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: new Registry().register(new AnsibleExecutor(awx, client())),
      watchNamespace: env.namespace,
      executionNamespace,
      cooldownMs: 1_000,
      pollIntervalMs: { initial: 200, max: 1_000 },
    });
  });

  afterAll(async () => {
    await controller?.stop();
    await awx?.close();
    await simulator?.stop();
  });

  it('polls an AWX job to Completed and removes its ephemeral credential after the cooldown', async () => {
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'restart', playbookPath: 'site.yml' },
        dependencies: { secrets: [{ name: 'db' }] },
      }),
    );
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    expect(running.status?.executionRef?.name).toMatch(/^awx-job-\d+$/);
    expect(simulator.state.liveCredentials({ origin: 'api' })).toHaveLength(1);
    await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Completed');
    await vi.waitFor(async () => {
      const current = await read(client(), env.namespace, wfe.metadata.name);
      expect(current?.status?.conditions?.find((c) => c.type === 'LockReleased')?.status).toBe(
        'True',
      );
      expect(simulator.state.liveCredentials({ origin: 'api' })).toEqual([]);
    }, patience);
    expect(simulator.state.jobs()).toHaveLength(1);
  });

  it('never sends AWX a Secret that did not opt in to the execution namespace', async () => {
    await client().create(resources.secrets, executionNamespace, {
      metadata: { name: 'victim' },
      stringData: { password: 'victim-canary-91f2' },
    });
    const jobsBefore = simulator.state.jobs().length;
    const credentialsBefore = simulator.state.liveCredentials({ origin: 'api' }).length;
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'restart', playbookPath: 'site.yml' },
        dependencies: { secrets: [{ name: 'victim' }] },
      }),
    );
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Forbidden',
      wasExecutionFailure: false,
    });
    expect(simulator.state.jobs()).toHaveLength(jobsBefore);
    expect(simulator.state.liveCredentials({ origin: 'api' })).toHaveLength(credentialsBefore);
  });

  it("fails with TaskFailed and AWX's explanation, never showing the secret", async () => {
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'broken', playbookPath: 'site.yml' },
        dependencies: { secrets: [{ name: 'db' }] },
      }),
    );
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'TaskFailed',
      wasExecutionFailure: true,
    });
    expect(failed.status?.failureDetails?.message).toContain('host unreachable');
    expect(JSON.stringify(failed)).not.toContain('canary-7d1e-secret');
  });

  it('fails an execution naming a job template that does not exist as a ConfigurationError', async () => {
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'no-such-template', playbookPath: 'site.yml' },
      }),
    );
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'ConfigurationError',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain('no-such-template');
    expect(simulator.state.jobs()).toHaveLength(2);
  });
  it('holds the target in the execution namespace while the job runs: a second execution on it is refused', async () => {
    simulator.state.addJobTemplate({
      name: 'slow',
      askVariablesOnLaunch: true,
      schedule: { pendingMs: 20, runningMs: 60_000 },
    });
    const target = 'prod/deployment/locked-app';
    const first = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'slow', playbookPath: 'site.yml' },
        target,
      }),
    );
    await waitForPhase(client(), env.namespace, first.metadata.name, 'Running');
    const lock = await client().get(
      resources.leases,
      executionNamespace,
      executionResourceName(target),
    );
    expect(lock?.metadata?.labels).toMatchObject({
      'roundhouse.dev/workflow-execution': first.metadata.name,
      'roundhouse.dev/source-namespace': env.namespace,
    });
    const jobsBefore = simulator.state.jobs().length;
    const second = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'slow', playbookPath: 'site.yml' },
        target,
      }),
    );
    const refused = await waitForPhase(client(), env.namespace, second.metadata.name, 'Failed');
    expect(refused.status?.failureDetails).toMatchObject({
      reason: 'Deduplicated',
      wasExecutionFailure: false,
    });
    expect(simulator.state.jobs()).toHaveLength(jobsBefore);

    // Deleting the first runs its cleanup: the job is canceled and the target released.
    await client().delete(workflowExecutions, env.namespace, first.metadata.name);
    await vi.waitFor(async () => {
      expect(await read(client(), env.namespace, first.metadata.name)).toBeNull();
      expect(
        await client().get(resources.leases, executionNamespace, executionResourceName(target)),
      ).toBeNull();
    }, patience);
    const job = simulator.state
      .jobs()
      .find((j) => j.extraVars.includes(`"WFE_NAME": "${first.metadata.name}"`));
    expect(job?.cancelFlag).toBe(true);
  });

  it('stops a job past executionConfig.timeout through cleanup when the template cannot take it', async () => {
    const watchNamespace = await env.controlPlane.createNamespace('wfe-ansible-deadline');
    const deadlineNamespace = await env.controlPlane.createNamespace('wfe-ansible-deadline-exec');
    simulator.state.addJobTemplate({
      name: 'endless',
      askVariablesOnLaunch: true,
      schedule: { pendingMs: 20, runningMs: 600_000 },
    });
    const strict = await startController({
      kubeConfig: env.kubeConfig,
      registry: new Registry().register(new AnsibleExecutor(awx, client())),
      watchNamespace,
      executionNamespace: deadlineNamespace,
      cooldownMs: 1_000,
      pollIntervalMs: { initial: 200, max: 500 },
      deadlineGraceMs: 0,
    });
    try {
      const wfe = await apply(
        client(),
        watchNamespace,
        manifest({
          engine: 'ansible',
          engineConfig: { jobTemplateName: 'endless', playbookPath: 'site.yml' },
          timeout: '2s',
        }),
      );
      const failed = await waitForPhase(client(), watchNamespace, wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'DeadlineExceeded',
        wasExecutionFailure: true,
      });
      const job = simulator.state
        .jobs()
        .find((j) => j.extraVars.includes(`"WFE_NAME": "${wfe.metadata.name}"`));
      await vi.waitFor(
        () => expect(simulator.state.job(job!.id)?.status).toBe('canceled'),
        patience,
      );
      await vi.waitFor(async () => {
        expect(
          await client().get(
            resources.leases,
            deadlineNamespace,
            executionResourceName(wfe.spec.targetResource),
          ),
        ).toBeNull();
      }, patience);
    } finally {
      await strict.stop();
    }
  });

  it('E2E-WE-015-004: fails an execution whose AWX job someone canceled as TaskFailed', async () => {
    simulator.state.addJobTemplate({
      name: 'canceled-by-hand',
      askVariablesOnLaunch: true,
      schedule: { pendingMs: 20, runningMs: 60_000 },
    });
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'canceled-by-hand', playbookPath: 'site.yml' },
      }),
    );
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    const jobId = Number(running.status?.executionRef?.name.replace('awx-job-', ''));
    expect(await awx.cancelJob(jobId)).toBe('requested');
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'TaskFailed',
      wasExecutionFailure: true,
    });
    expect(failed.status?.executionStatus?.reason).toBe('AWXJobCanceled');
  });

  it('E2E-WE-015-003/006: passes a ConfigMap dependency as extra_vars and records how long the job ran', async () => {
    await client().create(resources.configMaps, executionNamespace, {
      metadata: { name: 'settings', annotations: { 'roundhouse.dev/allowed-namespaces': '*' } },
      data: { 'log-level': 'debug' },
    });
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'restart', playbookPath: 'site.yml' },
        dependencies: { configMaps: [{ name: 'settings' }] },
      }),
    );
    const done = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Completed');
    expect(done.status?.startTime).toBeDefined();
    expect(done.status?.completionTime).toBeDefined();
    expect(done.status?.duration).toMatch(/^\d+s$/);
    const jobId = Number(done.status?.executionRef?.name.replace('awx-job-', ''));
    expect(JSON.parse(simulator.state.job(jobId)?.extraVars ?? '{}')).toMatchObject({
      ROUNDHOUSE_CONFIGMAP_SETTINGS_LOG_LEVEL: 'debug',
    });
  });
});
