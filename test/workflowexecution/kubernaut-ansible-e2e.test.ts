import { AnsibleExecutor } from '@roundhouse/awx';
import type { AwxSimulator } from '@roundhouse/awx-simulator';
import { kubernautConventions, Registry } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { useAwxSimulator } from './awx.js';
import { useController } from './controller-fixture.js';
import {
  condition,
  eventsAbout,
  jobRegistry,
  type Manifest,
  manifest,
  patience,
} from './harness.js';
import { createDependencies, expectKubernautCompletion, kubernautShaped } from './kubernaut-e2e.js';

/*
 * kubernaut's ansible E2E cases (test/e2e/workflowexecution/05_ansible_engine_test.go at
 * d5a4a87) through a controller with the kubernaut preset against the AWX simulator, with its
 * executions' shape: a repository URL as the bundle, engineConfig naming the template, the
 * engine and dependencies on workflowRef. Its status.ephemeralCredentialIDs is a deliberate
 * difference (see docs/conventions.md): the ids are kept in the engine's Lease.
 */
describeWithControlPlane('kubernaut ansible E2E cases under the kubernaut preset', () => {
  const awxFixture = useAwxSimulator();
  const cluster = useController('wfe-kn-awx');
  const { client } = cluster;
  let simulator: AwxSimulator;
  let templateCredential: number;
  const repository = 'https://github.com/jordigilh/kubernaut-test-playbooks.git';

  beforeAll(async () => {
    simulator = awxFixture.simulator;
    const machine = simulator.state.credentialTypes().find((t) => t.name === 'Machine');
    templateCredential = simulator.state.addCredential({
      name: 'inventory-ssh',
      credential_type: machine?.id ?? 0,
      organization: 1,
      inputs: { username: 'root' },
    }).id;
    for (const [name, outcome, credentials] of [
      ['kubernaut-test-success', 'successful', []],
      ['kubernaut-test-failure', 'failed', []],
      ['kubernaut-test-dep-secret', 'successful', []],
      ['kubernaut-test-dep-configmap', 'successful', []],
      ['kubernaut-test-dep-secret-with-creds', 'successful', [templateCredential]],
    ] as const) {
      simulator.state.addJobTemplate({
        name,
        askVariablesOnLaunch: true,
        askCredentialOnLaunch: true,
        credentials: [...credentials],
        schedule: { pendingMs: 100, runningMs: 800, outcome, jobExplanation: '' },
      });
    }
    await createDependencies(client(), cluster.executionNamespace, {
      secret: 'e2e-dep-secret-ansible',
      configMap: 'e2e-dep-configmap-ansible',
    });
    await cluster.start({
      registry: new Registry().register(
        new AnsibleExecutor(awxFixture.awx, client(), { conventions: kubernautConventions }),
      ),
      // Past the cooldown cleanup deletes the ephemeral credential, and AWX drops it from the job.
      cooldownMs: 60_000,
      pollIntervalMs: { initial: 200, max: 1_000 },
      // kubernaut reads no opt-in on its dependencies.
      policy: { bundles: ['https://github.com/jordigilh/*'], dependencyOptIn: false },
    });
  });

  /** kubernaut's createAnsibleWFE. */
  const ansibleExecution = (
    jobTemplateName: string,
    dependencies?: { secrets?: { name: string }[]; configMaps?: { name: string }[] },
  ): Manifest =>
    kubernautShaped(
      manifest({
        bundle: repository,
        engineConfig: { playbookPath: 'playbooks/test.yml', jobTemplateName },
        parameters: {
          target_kind: 'Deployment',
          target_name: 'ansible-target',
          target_namespace: 'default',
        },
      }),
      'ansible',
      { dependencies },
    );

  const jobOf = (ref: string | undefined) =>
    simulator.state.job(Number(ref?.replace(/^awx-job-/, '')));

  it('E2E-WE-015-001, E2E-WE-015-003: runs an AWX job to Completed, its ref awx-job-<id>, with its times and conditions', async () => {
    const wfe = await cluster.apply(ansibleExecution('kubernaut-test-success'));
    // The job runs under a second here, so Running may pass between two reads: executionRef stays.
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.executionRef?.name).toMatch(/^awx-job-\d+$/);
    expectKubernautCompletion(done);
  });

  it('E2E-WE-015-002: a failed playbook gives a failure message and ExecutionComplete False', async () => {
    const wfe = await cluster.apply(ansibleExecution('kubernaut-test-failure'));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.message).toBeTruthy();
    expect(condition(failed, 'ExecutionComplete')?.status).toBe('False');
  });

  it('E2E-WE-015-005 / E2E-WE-365-001: gives the job a Secret as KUBERNAUT_SECRET_* beside the template credential', async () => {
    const wfe = await cluster.apply(
      ansibleExecution('kubernaut-test-dep-secret-with-creds', {
        secrets: [{ name: 'e2e-dep-secret-ansible' }],
      }),
    );
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const job = jobOf(done.status?.executionRef?.name);
    expect(job?.credentials).toContain(templateCredential);
    expect(job?.credentials.length).toBe(2);
    expect(Object.keys(job?.jobEnv ?? {})).toContain(
      'KUBERNAUT_SECRET_E2E_DEP_SECRET_ANSIBLE_TOKEN',
    );
  });

  it('E2E-WE-015-006: gives the job a ConfigMap as KUBERNAUT_CONFIGMAP_* extra_vars, with no credential and no annotation', async () => {
    const wfe = await cluster.apply(
      ansibleExecution('kubernaut-test-dep-configmap', {
        configMaps: [{ name: 'e2e-dep-configmap-ansible' }],
      }),
    );
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const job = jobOf(done.status?.executionRef?.name);
    expect(job?.credentials).toEqual([]);
    expect(JSON.parse(job?.extraVars ?? '{}')).toMatchObject({
      KUBERNAUT_CONFIGMAP_E2E_DEP_CONFIGMAP_ANSIBLE_SETTING: 'on',
    });
    const current = await cluster.read(wfe.metadata.name);
    expect(current?.metadata.annotations ?? {}).not.toHaveProperty(
      'kubernaut.ai/awx-ephemeral-credentials',
    );
  });
});

/*
 * kubernaut's IT-WE-015-001 (test/integration/workflowexecution/ansible_dispatch_integration_
 * test.go at d5a4a87): its integration suite registers only the tekton and job executors, so an
 * ansible execution reaches the dispatch and fails there, before anything runs.
 */
describeWithControlPlane('kubernaut ansible dispatch without an ansible executor', () => {
  const cluster = useController('wfe-kn-noawx');

  it('IT-WE-015-001: fails an ansible execution UnsupportedEngine, as no execution failure, when no ansible executor is registered', async () => {
    await cluster.start({
      registry: jobRegistry(cluster.env.kubeConfig),
      policy: { bundles: ['https://github.com/kubernaut/*'] },
    });
    const wfe = await cluster.apply(
      kubernautShaped(
        manifest({
          bundle: 'https://github.com/kubernaut/playbooks.git',
          engineConfig: {
            playbookPath: 'playbooks/restart.yml',
            jobTemplateName: 'restart-pod',
            inventoryName: 'production',
          },
          parameters: { NAMESPACE: 'default' },
        }),
        'ansible',
      ),
    );
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'UnsupportedEngine',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain('"ansible"');
    expect(failed.status?.executionRef).toBeUndefined();
  });
});

/**
 * `client`, its TokenRequests answered as kubernaut's reactor answers them in UT-WE-501-008: the
 * token expiring `minutes` from now. This API server grants whatever it is asked (no
 * --service-account-max-token-expiration caps it); the token itself is still its own.
 */
function shortenedTokens(client: KubeClient, minutes: number): KubeClient {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'create') return value.bind(target);
      return async (...args: Parameters<KubeClient['create']>) => {
        const answer = await target.create(...args);
        if (args[3]?.subresource?.subresource !== 'token') return answer;
        const object = answer.object as { status: Record<string, unknown> };
        const expirationTimestamp = new Date(Date.now() + minutes * 60_000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z');
        return { ...answer, object: { status: { ...object.status, expirationTimestamp } } };
      };
    },
  });
}

/*
 * kubernaut's UT-WE-501-008 (pkg/workflowexecution/ansible_token_request_test.go) through the
 * controller: the engine's TokenTTLInsufficient warning becomes a True condition on the Running
 * write, as kubernaut's finalizePendingToRunning sets it, which the API server's CRD accepts.
 */
describeWithControlPlane('kubernaut ansible token lifetime shortened by the API server', () => {
  const awxFixture = useAwxSimulator();
  const cluster = useController('wfe-kn-awx-ttl');

  it("UT-WE-501-008: sets TokenTTLInsufficient True (TokenTTLShortened, kubernaut's words) on the Running write, and tells it in the ExecutionWarning Event under outcome", async () => {
    const { simulator, awx } = awxFixture;
    simulator.state.addJobTemplate({
      name: 'kubernaut-test-token',
      askVariablesOnLaunch: true,
      askCredentialOnLaunch: true,
      askTimeoutOnLaunch: true,
      schedule: { pendingMs: 100, runningMs: 60_000, outcome: 'successful', jobExplanation: '' },
    });
    const admin = cluster.client();
    await admin.create(resources.serviceAccounts, cluster.executionNamespace, {
      metadata: { name: kubernautConventions.defaultServiceAccountName },
    });
    const api = cluster.env.kubeConfig.getCurrentCluster();
    const kubernetesApi = {
      host: api?.server as string,
      caCertificate: Buffer.from(api?.caData as string, 'base64').toString('utf8'),
    };
    await cluster.start({
      registry: new Registry().register(
        new AnsibleExecutor(awx, shortenedTokens(admin, 10), {
          conventions: kubernautConventions,
          kubernetesApi,
        }),
      ),
      pollIntervalMs: { initial: 200, max: 1_000 },
      policy: { bundles: ['https://github.com/jordigilh/*'], dependencyOptIn: false },
    });
    const wfe = await cluster.apply(
      kubernautShaped(
        manifest({
          bundle: 'https://github.com/jordigilh/kubernaut-test-playbooks.git',
          engineConfig: {
            playbookPath: 'playbooks/test.yml',
            jobTemplateName: 'kubernaut-test-token',
          },
          timeout: '1h',
        }),
        'ansible',
      ),
    );
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const message =
      /^granted token TTL (9m5\ds|10m\d+s) is shorter than execution timeout 1h0m0s — playbook may receive 401 errors if it outlives the token$/;
    expect(condition(running, 'TokenTTLInsufficient')).toMatchObject({
      status: 'True',
      reason: 'TokenTTLShortened',
      message: expect.stringMatching(message),
      observedGeneration: running.metadata.generation,
    });
    await vi.waitFor(async () => {
      const events = await eventsAbout(admin, cluster.env.namespace, wfe.metadata.name);
      expect(events.filter((e) => e.type === 'Warning').map((e) => e.reason)).toEqual([
        'ExecutionWarning',
      ]);
      expect(
        (events.find((e) => e.reason === 'ExecutionWarning') as { message?: string })?.message,
      ).toContain('warnings: TokenTTLShortened: granted token TTL ');
    }, patience);
  });
});
