import { KubeConfig } from '@kubernetes/client-node';
import { AnsibleExecutor, type AnsibleExecutorOptions, awxJobRef } from '@roundhouse/awx';
import { ConfigurationError, type WorkflowExecution } from '@roundhouse/core';
import { KubeClient, type KubeObject, type ResourceType, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import {
  cleanUp,
  createSecret,
  interceptAwx,
  jobsOf,
  lockOf,
  makeExecution,
  seedTemplate,
  settle,
  spyKube,
  type Testbed,
  useTestbed,
  withRef,
} from './testbed.js';

const selfSubjectReviews: ResourceType = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  namespaced: false,
};

describeWithControlPlane('AnsibleExecutor giving jobs the Kubernetes API', () => {
  const { env, bed } = useTestbed();
  let server: string;
  let caCertificate: string;
  /** The options of every `create` the executors sent, to see TokenRequests. */
  const creates: { subresource?: unknown }[] = [];

  beforeAll(async () => {
    const cluster = env.kubeConfig.getCurrentCluster();
    server = cluster?.server as string;
    caCertificate = Buffer.from(cluster?.caData as string, 'base64').toString('utf8');
    for (const name of ['restarter', 'roundhouse-workflow-runner']) {
      await bed.kube.create(resources.serviceAccounts, env.namespace, { metadata: { name } });
    }
  });

  const apiCredentials = () => bed.sim.state.liveCredentials({ origin: 'api' });
  const bearerType = () =>
    bed.sim.state.credentialTypes().find((t) => t.namespace === 'kubernetes_bearer_token')!;

  /** An executor whose Kubernetes client records every create's options. */
  function executor(options: AnsibleExecutorOptions & { awx?: Testbed['awx'] } = {}) {
    const kube = spyKube(bed.kube, 'create', (_type, _namespace, _object, options) => {
      creates.push(options ?? {});
    });
    const { awx = bed.awx, ...rest } = options;
    return new AnsibleExecutor(awx, kube, { logger: bed.log.logger, ...rest });
  }

  const kubernetesApi = () => ({ host: server, caCertificate });
  const tokenRequests = () => creates.filter((c) => c.subresource !== undefined).length;

  function asServiceAccount(
    jobTemplateName: string,
    name: string,
    timeout?: string,
  ): Partial<WorkflowExecution['spec']> {
    return {
      workflowRef: {
        workflowId: 'remediate',
        version: '1',
        executionBundle: 'registry.example/workflows/remediate:1',
        engineConfig: { jobTemplateName, playbookPath: 'playbooks/remediate.yml' },
        serviceAccountName: name,
      },
      ...(timeout ? { executionConfig: { timeout } } : {}),
    };
  }

  async function whoAmI(token: string): Promise<string | undefined> {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'c', server, caData: Buffer.from(caCertificate).toString('base64') }],
      users: [{ name: 'u', token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const client = new KubeClient(config);
    try {
      const { object } = await client.create<KubeObject>(selfSubjectReviews, undefined, {});
      return (object.status as { userInfo?: { username?: string } }).userInfo?.username;
    } finally {
      await client.close();
    }
  }

  // kubernaut UT-WE-500-001, UT-WE-552-011: with no dependency Secret, the job gets a
  // credential of AWX's own bearer-token type (none created) holding host, bearer_token and
  // ssl_ca_cert. Differs on purpose (docs/backends/awx.md): the token is the workflow
  // ServiceAccount's, never the controller's, and the credential is named per execution key.
  it("gives the job a bearer-token credential of the execution's ServiceAccount, deleted at cleanup", async () => {
    const template = seedTemplate(bed.sim, { askTimeoutOnLaunch: true });
    const engine = executor({ kubernetesApi: kubernetesApi() });
    const created = makeExecution(template.name, {
      spec: asServiceAccount(template.name, 'restarter', '30m'),
    });
    const before = tokenRequests();
    const types = bed.sim.state.credentialTypes().length;

    const { resourceName, warnings } = await engine.create(created, env.namespace);
    expect(tokenRequests()).toBe(before + 1);
    const [job] = jobsOf(bed.sim, created);
    expect(resourceName).toBe(awxJobRef(job!.id));
    // The ServiceAccount is used now, so nothing says it is not.
    expect(warnings).toEqual([]);
    const [credential, ...others] = apiCredentials();
    expect(others).toEqual([]);
    expect(credential!.credentialType).toBe(bearerType().id);
    expect(bed.sim.state.credentialTypes()).toHaveLength(types);
    expect(job!.credentials).toEqual([credential!.id]);
    const { bearer_token: token, ...inputs } = credential!.inputs as Record<string, unknown>;
    expect(inputs).toEqual({ host: server, verify_ssl: true, ssl_ca_cert: caCertificate });
    expect(await whoAmI(token as string)).toBe(`system:serviceaccount:${env.namespace}:restarter`);
    // The timeout (30 minutes) and five minutes.
    const claims = JSON.parse(
      Buffer.from((token as string).split('.')[1]!, 'base64url').toString(),
    );
    expect(claims.exp - claims.iat).toBe(35 * 60);

    const lock = await lockOf(bed.kube, env.namespace, created);
    expect(JSON.stringify(lock)).not.toContain(token);
    const wfe = withRef(created, resourceName);
    expect(await settle(engine, wfe, env.namespace)).toMatchObject({ phase: 'Completed' });
    expect(bed.sim.state.job(job!.id)?.jobEnv).toEqual({
      K8S_AUTH_HOST: server,
      K8S_AUTH_API_KEY: '**********',
      K8S_AUTH_VERIFY_SSL: 'True',
      K8S_AUTH_SSL_CA_CERT: expect.stringMatching(/^\/runner\/env\/tmp/),
    });
    await cleanUp(engine, wfe, env.namespace);
    expect(apiCredentials()).toEqual([]);
    expect(bed.log.lines.filter((line) => line.includes(token as string))).toEqual([]);
  });

  it("uses the default runner, and replaces the template's own bearer-token credential", async () => {
    const own = bed.sim.state.addCredential({
      name: 'template-cluster',
      credential_type: bearerType().id,
      organization: 1,
      inputs: { host: 'https://elsewhere.example', bearer_token: 'template-token' },
    });
    const template = seedTemplate(bed.sim, { credentials: [own.id] });
    await createSecret(bed.kube, env.namespace, 'db', { password: 'pw' });
    const engine = executor({ kubernetesApi: kubernetesApi() });
    const wfe = makeExecution(template.name);

    const { warnings } = await engine.create(wfe, env.namespace, {
      dependencies: { secrets: [{ name: 'db' }] },
    });
    const ours = apiCredentials().find((c) => c.credentialType === bearerType().id)!;
    const secret = apiCredentials().find((c) => c.credentialType !== bearerType().id)!;
    expect([...(jobsOf(bed.sim, wfe)[0]?.credentials ?? [])].sort()).toEqual(
      [secret.id, ours.id].sort(),
    );
    expect(warnings).toEqual([
      `the job template's credential "template-cluster" (id ${own.id}) is replaced for this job by an ephemeral credential of the same type`,
    ]);
    expect(await whoAmI(ours.inputs.bearer_token as string)).toBe(
      `system:serviceaccount:${env.namespace}:roundhouse-workflow-runner`,
    );
    await cleanUp(engine, wfe, env.namespace);
    expect(apiCredentials()).toEqual([]);
    expect(bed.sim.state.liveCredentials().map((c) => c.id)).toContain(own.id);
  });

  it('gives no credential and requests no token without the option', async () => {
    const template = seedTemplate(bed.sim, { askCredentialOnLaunch: false });
    const engine = executor();
    const wfe = makeExecution(template.name, {
      spec: asServiceAccount(template.name, 'restarter'),
    });
    const before = tokenRequests();
    const { warnings } = await engine.create(wfe, env.namespace);
    expect(tokenRequests()).toBe(before);
    expect(apiCredentials()).toEqual([]);
    expect(jobsOf(bed.sim, wfe)[0]?.credentials).toEqual([]);
    expect(warnings).toEqual([
      "spec.workflowRef.serviceAccountName is not used by the ansible engine: AWX runs the job with the template's credentials",
    ]);
    await cleanUp(engine, wfe, env.namespace);
  });

  // kubernaut UT-WE-500-003 (differs on purpose, docs/backends/awx.md): kubernaut launches
  // without the Kubernetes API credential when it cannot make one; here create fails first.
  it('refuses a ServiceAccount that does not exist, leaving nothing in AWX', async () => {
    const template = seedTemplate(bed.sim);
    await createSecret(bed.kube, env.namespace, 'db-2', { password: 'pw' });
    const engine = executor({ kubernetesApi: kubernetesApi() });
    const wfe = makeExecution(template.name, { spec: asServiceAccount(template.name, 'nobody') });

    const error = await engine
      .create(wfe, env.namespace, { dependencies: { secrets: [{ name: 'db-2' }] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual([
      {
        path: 'spec.workflowRef.serviceAccountName',
        message: `ServiceAccount ${env.namespace}/nobody does not exist, so no TokenRequest can make the Kubernetes API token for the AWX job`,
      },
    ]);
    expect(apiCredentials()).toEqual([]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });

  it('refuses a template that does not prompt for credentials, minting no token', async () => {
    const template = seedTemplate(bed.sim, { askCredentialOnLaunch: false });
    const engine = executor({ kubernetesApi: kubernetesApi() });
    const wfe = makeExecution(template.name);
    const before = tokenRequests();

    const error = await engine.create(wfe, env.namespace).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String(error)).toMatch(/ask_credential_on_launch/);
    expect(tokenRequests()).toBe(before);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });

  // kubernaut UT-WE-500-005, UT-WE-552-001, UT-WE-552-002, UT-WE-552-003, UT-WE-552-006,
  // UT-WE-552-007, UT-WE-552-008, UT-WE-552-012 (differ on purpose, docs/backends/awx.md):
  // kubernaut then reuses or creates a type of its own (kubernaut-k8s-bearer-token, or `-v2`
  // writing a kubeconfig file, insecure without a CA); here only AWX's managed type is used.
  it('refuses to launch, minting no token, when AWX lacks the managed type', async () => {
    const template = seedTemplate(bed.sim);
    const awx = interceptAwx(bed.awx, (_operation, call) => call(), {
      findManagedCredentialType: async () => null,
    });
    const engine = executor({ kubernetesApi: kubernetesApi(), awx: awx as Testbed['awx'] });
    const wfe = makeExecution(template.name);
    const before = tokenRequests();

    const error = await engine.create(wfe, env.namespace).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues[0]?.path).toBe('ansible.kubernetesApi');
    expect(tokenRequests()).toBe(before);
    expect(apiCredentials()).toEqual([]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });
});
