import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type Phased, reportedEvents, seeded, useCampaign } from './crash-harness.js';

const canary = 'canary-crash-4f1d-secret';

/**
 * The ansible engine's create is a sequence of writes to two systems (the lock Lease with its
 * launch record, AWX credentials, a Kubernetes API token, the launch, the record of the job),
 * and AWX has no idempotency key. Killed anywhere in it, again and again, the controller still
 * launches each execution's job once, with its Secret's and its Kubernetes API credential, and
 * once the cooldowns are over nothing is left in AWX or Kubernetes and no token was printed.
 */
describeWithControlPlane('the controller with the ansible engine killed again and again', () => {
  let awx: AwxSimulator;
  let apiServer: string;
  const campaign = useCampaign({
    prefix: 'wfe-crash-awx',
    engine: 'ansible',
    flags: () => [
      `--awx-url=${awx.url}`,
      `--awx-api-prefix=${awx.apiPrefix}`,
      `--awx-token-secret=${env.namespace}/awx-token`,
      '--cooldown=2s',
      // A kill between recording a launch and sending it leaves a launch that may or may not
      // have reached AWX; the execution waits this long for its job before launching again.
      '--awx-launch-commit-window=10s',
      '--allowed-bundles=registry.invalid/*',
      '--awx-allowed-job-templates=crash',
      `--awx-kubernetes-api=${apiServer}`,
      `--awx-kubernetes-ca-file=${join(campaign.dir, 'ca.crt')}`,
    ],
  });
  const { env, processes } = campaign;
  const random = seeded(1_201);
  const rounds = 8;
  const perRound = 3;

  beforeAll(async () => {
    const { admin, executionNamespace } = campaign;
    awx = await startAwxSimulator();
    awx.state.addJobTemplate({
      name: 'crash',
      askVariablesOnLaunch: true,
      askCredentialOnLaunch: true,
      schedule: { pendingMs: 50, runningMs: 300, outcome: 'successful' },
    });
    await admin.create(resources.secrets, env.namespace, {
      metadata: { name: 'awx-token' },
      stringData: { token: awx.token },
    });
    await admin.create(resources.secrets, executionNamespace, {
      metadata: { name: 'db', annotations: { 'roundhouse.dev/allowed-namespaces': '*' } },
      stringData: { password: canary },
    });
    // The default runner, whose token each job gets for the Kubernetes API.
    await admin.create(resources.serviceAccounts, executionNamespace, {
      metadata: { name: 'roundhouse-workflow-runner' },
    });
    const cluster = env.kubeConfig.getCurrentCluster();
    apiServer = cluster?.server as string;
    const ca = cluster?.caData
      ? Buffer.from(cluster.caData, 'base64').toString()
      : readFileSync(cluster?.caFile as string, 'utf8');
    writeFileSync(join(campaign.dir, 'ca.crt'), ca);
  });

  afterAll(async () => {
    await awx?.stop();
  });

  const body = (i: number): KubeObject => ({
    metadata: { name: `wfe-${i}` },
    spec: {
      workflowRef: {
        workflowId: 'crash',
        version: '1',
        executionBundle: 'registry.invalid/c:1',
        engineConfig: { jobTemplateName: 'crash', playbookPath: 'site.yml' },
      },
      targetResource: `${env.namespace}/deployment/app-${i}`,
      executionEngine: 'ansible',
      parameters: { RUN_ID: `run-${i}` },
      dependencies: { secrets: [{ name: 'db' }] },
    },
  });

  it('launches each job once and leaves no credential, lock or duplicate Event behind', async () => {
    const { admin, executionNamespace } = campaign;
    const total = rounds * perRound;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i++)
        await admin.create(workflowExecutions, env.namespace, body(round * perRound + i));
      await campaign.killWhileWorking(() => sleep(random() * 400));
    }
    const last = campaign.start();

    // A create killed while it held its claim is taken over once the claim is stale (60 s), and
    // one killed after recording its launch launches again only after the commit window.
    await vi.waitFor(
      async () => {
        const { items } = await admin.list<Phased>(workflowExecutions, env.namespace);
        expect(items).toHaveLength(total);
        for (const wfe of items) {
          expect(wfe.status?.phase, `${wfe.metadata?.name} ${JSON.stringify(wfe.status)}`).toBe(
            'Completed',
          );
          const released = wfe.status?.conditions?.find((c) => c.type === 'LockReleased');
          expect(released?.status, wfe.metadata?.name).toBe('True');
        }
      },
      { timeout: 240_000, interval: 1_000 },
    );
    last.kill();
    await last.closed;

    const launches = new Map<string, number>();
    for (const job of awx.state.jobs()) {
      const run = String((JSON.parse(job.extraVars) as { RUN_ID?: unknown }).RUN_ID);
      launches.set(run, (launches.get(run) ?? 0) + 1);
    }
    for (let i = 0; i < total; i++) expect(launches.get(`run-${i}`), `run-${i}`).toBe(1);
    // Every job started with its Kubernetes API credential, the token masked in its env.
    for (const job of awx.state.jobs()) {
      expect(job.jobEnv.K8S_AUTH_HOST, `job ${job.id}`).toBe(apiServer);
      expect(job.jobEnv.K8S_AUTH_API_KEY, `job ${job.id}`).not.toMatch(/^eyJ/);
    }
    expect(awx.state.liveCredentials({ origin: 'api' })).toEqual([]);
    expect(awx.state.deletedCredentials().flatMap((d) => d.activeJobs)).toEqual([]);
    const { items: locks } = await admin.list(resources.leases, executionNamespace);
    expect(locks.map((l) => l.metadata?.name)).toEqual([]);
    const reported = await reportedEvents(admin, env.namespace);
    expect(reported.filter((line) => line.includes(' LockReleased '))).toHaveLength(total);
    expect(new Set(reported).size).toBe(reported.length);
    for (const p of processes) {
      const output = `${JSON.stringify(p.lines)}${p.stdout}${p.stderr}`;
      expect(output).not.toContain(canary);
      // A service-account token is a JWT: its header starts with eyJ (`{"`, base64).
      expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    }
  }, 360_000);
});
