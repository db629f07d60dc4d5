import { AnsibleExecutor } from '@roundhouse/awx';
import { ConfigurationError, kubernautConventions, type WorkflowExecution } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  addMachineCredential,
  cleanUp,
  createConfigMap,
  createSecret,
  credentialsOf,
  jobsOf,
  makeExecution,
  patience,
  seedTemplate,
  useTestbed,
  withRef,
} from './testbed.js';

/*
 * kubernaut's AnsibleExecutor Create cases (test/unit/workflowexecution/ansible_executor_test.go
 * at 05af3c6, pkg/workflowexecution/ansible_executor_test.go at d5a4a87) against the AWX
 * simulator, with the kubernaut preset. kubernaut's mock AWX client records the launch; here
 * the simulator's job does. Where Roundhouse answers otherwise on purpose, the case says so
 * (see the differences in docs/backends/awx.md).
 */
describeWithControlPlane("kubernaut's AnsibleExecutor cases", () => {
  const { env, bed } = useTestbed();
  const executor = () => bed.executor({ conventions: kubernautConventions });

  afterEach(() => bed.sim.faults.clear());

  /** The requests the simulator saw from `from` on, as `METHOD path` without the query. */
  const callsSince = (from: number) =>
    bed.sim.requests.slice(from).map((r) => `${r.method} ${r.path.split('?')[0]}`);

  /** The extra_vars and credential ids of the one job launched for `wfe`. */
  function launchOf(wfe: WorkflowExecution) {
    const [job, ...others] = jobsOf(bed.sim, wfe);
    expect(others).toEqual([]);
    return {
      id: job!.id,
      extraVars: JSON.parse(job!.extraVars) as Record<string, unknown>,
      credentials: job!.credentials,
    };
  }

  it('UT-WE-015-001, UT-WE-015-006: launches the named template as awx-job-<id>, parameters typed, with the execution and its remediation request named', async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name, {
      name: 'we-rr-abc123',
      spec: {
        parameters: {
          NAMESPACE: 'default',
          REPLICAS: '3',
          TARGET_NAMESPACE: 'demo-ns',
          NEW_MEMORY_LIMIT: '512Mi',
        },
        remediationRequestRef: { name: 'rr-we-rr-abc123', namespace: 'kubernaut-workflows' },
      },
    });
    const { resourceName } = await executor().create(wfe, env.namespace);
    const launch = launchOf(wfe);
    expect(resourceName).toBe(`awx-job-${launch.id}`);
    expect(launch.extraVars).toMatchObject({
      NAMESPACE: 'default',
      REPLICAS: 3,
      TARGET_NAMESPACE: 'demo-ns',
      NEW_MEMORY_LIMIT: '512Mi',
      WFE_NAME: 'we-rr-abc123',
      WFE_NAMESPACE: 'team-a',
      RR_NAME: 'rr-we-rr-abc123',
      RR_NAMESPACE: 'kubernaut-workflows',
    });
  });

  it('UT-WE-015-007: an execution without a remediation request gives RR_NAME and RR_NAMESPACE empty', async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name, { name: 'wfe-no-rr' });
    await executor().create(wfe, env.namespace);
    expect(launchOf(wfe).extraVars).toMatchObject({
      WFE_NAME: 'wfe-no-rr',
      WFE_NAMESPACE: 'team-a',
      RR_NAME: '',
      RR_NAMESPACE: '',
    });
  });

  it('UT-WE-015-004: refuses an execution without engineConfig, naming it', async () => {
    const base = makeExecution('any');
    const { engineConfig: _, ...workflowRef } = base.spec.workflowRef;
    const wfe = { ...base, spec: { ...base.spec, workflowRef } };
    const refused = executor().create(wfe, env.namespace);
    await expect(refused).rejects.toThrow(ConfigurationError);
    await expect(refused).rejects.toThrow(/engineConfig/);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });

  it('UT-WE-015-005: passes on what AWX refused, saying it was AWX', async () => {
    const template = seedTemplate(bed.sim);
    bed.sim.faults.failNext(1, 401, { method: 'GET', pathPrefix: '/api/v2/job_templates/' });
    const wfe = makeExecution(template.name);
    await expect(executor().create(wfe, env.namespace)).rejects.toThrow(/AWX .*401/);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });

  it("UT-WE-015-030, UT-WE-015-032: a Secret becomes a credential of kubernaut's type for it, named for the Secret, that the job is launched with; no dependency, no credential", async () => {
    const template = seedTemplate(bed.sim);
    await createSecret(bed.kube, env.namespace, 'gitea-repo-creds', {
      username: 'admin',
      password: 'secret123',
    });
    const wfe = makeExecution(template.name, { name: 'we-rr-test-deps' });
    await executor().create(wfe, env.namespace, {
      dependencies: { secrets: [{ name: 'gitea-repo-creds' }] },
    });
    const [credential, ...more] = credentialsOf(bed.sim, wfe, 'kubernaut-');
    expect(more).toEqual([]);
    expect(credential!.name).toContain('gitea-repo-creds');
    expect(credential!.inputs).toEqual({ username: 'admin', password: 'secret123' });
    expect(credential!.organization).toBe(1);
    const type = bed.sim.state.credentialTypes().find((t) => t.id === credential!.credentialType);
    expect(type).toMatchObject({
      name: 'kubernaut-secret-gitea-repo-creds',
      kind: 'cloud',
      injectors: {
        env: {
          KUBERNAUT_SECRET_GITEA_REPO_CREDS_USERNAME: '{{username}}',
          KUBERNAUT_SECRET_GITEA_REPO_CREDS_PASSWORD: '{{password}}',
        },
      },
    });
    expect(launchOf(wfe).credentials).toEqual([credential!.id]);

    const plain = makeExecution(template.name, { name: 'we-no-deps' });
    await executor().create(plain, env.namespace);
    expect(launchOf(plain).credentials).toEqual([]);
  });

  it('UT-WE-015-031: reuses the credential type kubernaut registered for the Secret', async () => {
    const template = seedTemplate(bed.sim);
    await createSecret(bed.kube, env.namespace, 'reused-creds', { username: 'u', password: 'p' });
    const registered = bed.sim.state.addCredentialType({
      name: 'kubernaut-secret-reused-creds',
      kind: 'cloud',
      inputs: {
        fields: [
          { id: 'password', label: 'password', type: 'string', secret: true },
          { id: 'username', label: 'username', type: 'string', secret: true },
        ],
      },
      injectors: {
        env: {
          KUBERNAUT_SECRET_REUSED_CREDS_USERNAME: '{{username}}',
          KUBERNAUT_SECRET_REUSED_CREDS_PASSWORD: '{{password}}',
        },
      },
    });
    const types = bed.sim.state.credentialTypes().length;
    const wfe = makeExecution(template.name, { name: 'we-reuse-type' });
    await executor().create(wfe, env.namespace, {
      dependencies: { secrets: [{ name: 'reused-creds' }] },
    });
    expect(bed.sim.state.credentialTypes()).toHaveLength(types);
    const [credential] = credentialsOf(bed.sim, wfe, 'kubernaut-');
    expect(credential!.credentialType).toBe(registered.id);
  });

  it('UT-WE-015-033, UT-WE-015-042: names a dependency Secret or ConfigMap that does not exist, launching nothing', async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name, { name: 'we-missing-deps' });
    await expect(
      executor().create(wfe, env.namespace, {
        dependencies: { secrets: [{ name: 'nonexistent-secret' }] },
      }),
    ).rejects.toThrow(/nonexistent-secret/);
    await expect(
      executor().create(wfe, env.namespace, {
        dependencies: { configMaps: [{ name: 'nonexistent-configmap' }] },
      }),
    ).rejects.toThrow(/nonexistent-configmap/);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });

  it('UT-WE-015-040, UT-WE-015-041: gives each ConfigMap key as a raw string KUBERNAUT_CONFIGMAP_<MAP>_<KEY>, beside the Secret credentials', async () => {
    const template = seedTemplate(bed.sim);
    await createConfigMap(bed.kube, env.namespace, 'app-config', {
      'log-level': 'debug',
      'max-retries': '5',
    });
    await createConfigMap(bed.kube, env.namespace, 'app-settings', { timeout: '30s' });
    await createSecret(bed.kube, env.namespace, 'both-creds', { username: 'admin' });
    const onlyMaps = makeExecution(template.name, {
      spec: { parameters: { TARGET_NAMESPACE: 'demo-ns' } },
    });
    await executor().create(onlyMaps, env.namespace, {
      dependencies: { configMaps: [{ name: 'app-config' }] },
    });
    const launch = launchOf(onlyMaps);
    expect(launch.credentials).toEqual([]);
    expect(launch.extraVars).toMatchObject({
      KUBERNAUT_CONFIGMAP_APP_CONFIG_LOG_LEVEL: 'debug',
      KUBERNAUT_CONFIGMAP_APP_CONFIG_MAX_RETRIES: '5',
      TARGET_NAMESPACE: 'demo-ns',
      WFE_NAME: onlyMaps.metadata.name,
      WFE_NAMESPACE: 'team-a',
    });

    const both = makeExecution(template.name);
    await executor().create(both, env.namespace, {
      dependencies: { secrets: [{ name: 'both-creds' }], configMaps: [{ name: 'app-settings' }] },
    });
    const [credential] = credentialsOf(bed.sim, both, 'kubernaut-');
    expect(launchOf(both).credentials).toEqual([credential!.id]);
    expect(launchOf(both).extraVars).toMatchObject({
      KUBERNAUT_CONFIGMAP_APP_SETTINGS_TIMEOUT: '30s',
      WFE_NAME: both.metadata.name,
    });
  });

  it("UT-WE-365-001, UT-WE-365-003: launches with the template's own credentials first, then the ephemeral ones; only the ephemeral ones when the template has none", async () => {
    const own = addMachineCredential(bed.sim, 'template-ssh');
    const withOwn = seedTemplate(bed.sim, { credentials: [own.id] });
    await createSecret(bed.kube, env.namespace, 'merge-creds', { token: 't' });
    const dependencies = { secrets: [{ name: 'merge-creds' }] };
    const merged = makeExecution(withOwn.name);
    await executor().create(merged, env.namespace, { dependencies });
    const [ephemeral] = credentialsOf(bed.sim, merged, 'kubernaut-');
    expect(launchOf(merged).credentials).toEqual([own.id, ephemeral!.id]);

    const bare = seedTemplate(bed.sim);
    const only = makeExecution(bare.name);
    await executor().create(only, env.namespace, { dependencies });
    const [alone] = credentialsOf(bed.sim, only, 'kubernaut-');
    expect(launchOf(only).credentials).toEqual([alone!.id]);
  });

  it('UT-WE-243-040, UT-WE-243-041, UT-WE-243-042: launches only the declared parameters, every one when none are declared, and refuses one named like an engine variable (kubernaut: overwritten)', async () => {
    const template = seedTemplate(bed.sim);
    const parameters = { NAMESPACE: 'default', UNDECLARED: 'x' };
    const declared = makeExecution(template.name, { spec: { parameters } });
    const { warnings } = await executor().create(declared, env.namespace, {
      declaredParameterNames: ['NAMESPACE'],
    });
    expect(warnings.join('\n')).toContain('UNDECLARED');
    expect(launchOf(declared).extraVars).toMatchObject({ NAMESPACE: 'default' });
    expect(launchOf(declared).extraVars).not.toHaveProperty('UNDECLARED');

    const open = makeExecution(template.name, { spec: { parameters } });
    await executor().create(open, env.namespace);
    expect(launchOf(open).extraVars).toMatchObject(parameters);

    const spoofed = makeExecution(template.name, {
      spec: { parameters: { NAMESPACE: 'default', WFE_NAME: 'spoofed-wfe' } },
    });
    const refused = executor().create(spoofed, env.namespace, {
      declaredParameterNames: ['NAMESPACE', 'WFE_NAME'],
    });
    await expect(refused).rejects.toThrow(ConfigurationError);
    await expect(refused).rejects.toThrow(/spec\.parameters\.WFE_NAME/);
    expect(jobsOf(bed.sim, spoofed)).toEqual([]);
  });

  it("is the 'ansible' engine", () => {
    expect(executor().engine).toBe('ansible');
  });

  it('UT-WE-1761-001, UT-WE-1761-002: refuses an execution for another cluster, naming it, before asking AWX anything; one without a cluster launches', async () => {
    const template = seedTemplate(bed.sim);
    const before = bed.sim.requests.length;
    const remote = makeExecution(template.name, { spec: { clusterID: 'remote-cluster-1' } });
    const refused = executor().create(remote, env.namespace);
    await expect(refused).rejects.toThrow(ConfigurationError);
    await expect(refused).rejects.toThrow(
      /spec\.clusterID: the "ansible" engine .*"remote-cluster-1"/,
    );
    expect(bed.sim.requests).toHaveLength(before);

    const local = makeExecution(template.name);
    const { resourceName } = await executor().create(local, env.namespace);
    expect(resourceName).toMatch(/^awx-job-\d+$/);
  });

  it('UT-WE-015-036 and Cleanup: cleanup cancels the running job and, with no credential created for it, deletes none; one never launched asks AWX to cancel or delete nothing', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 60_000 } });
    const created = makeExecution(template.name, { name: 'cleanup-no-annotation' });
    const engine = executor();
    const { resourceName } = await engine.create(created, env.namespace);
    const id = launchOf(created).id;
    await vi.waitFor(() => expect(bed.sim.state.job(id)?.status).toBe('running'), patience);
    const before = bed.sim.requests.length;
    // Roundhouse: called again until the canceled job has ended, holding the target till then.
    await cleanUp(engine, withRef(created, resourceName), env.namespace);
    const calls = callsSince(before);
    expect(calls).toContain(`POST /api/v2/jobs/${id}/cancel/`);
    expect(calls.filter((c) => c.startsWith('DELETE '))).toEqual([]);
    expect(bed.sim.state.job(id)?.status).toBe('canceled');

    const never = makeExecution(template.name, { name: 'no-ref' });
    const quiet = bed.sim.requests.length;
    await engine.cleanup(never, env.namespace);
    expect(callsSince(quiet).filter((c) => !c.startsWith('GET '))).toEqual([]);
  });

  describe("kubernaut's TokenRequest cases (ansible_token_request_test.go)", () => {
    /** The test API server as the jobs' Kubernetes API, verified with its CA. */
    const kubernetesApi = () => {
      const cluster = env.kubeConfig.getCurrentCluster();
      return {
        host: cluster?.server as string,
        caCertificate: Buffer.from(cluster?.caData as string, 'base64').toString('utf8'),
      };
    };
    const asServiceAccount = (template: string, name: string, serviceAccountName: string) => {
      const base = makeExecution(template, { name });
      const workflowRef = { ...base.spec.workflowRef, serviceAccountName };
      return { ...base, spec: { ...base.spec, workflowRef } };
    };

    beforeAll(async () => {
      await bed.kube.create(resources.serviceAccounts, env.namespace, {
        metadata: { name: 'workflow-sa' },
      });
    });

    it("UT-WE-501-004, UT-WE-501-003, UT-WE-501-007, UT-WE-2176-002: gives AWX the workflow ServiceAccount's token as bearer_token, living to spec.timesOutAt (Roundhouse: and five minutes), without a warning", async () => {
      const template = seedTemplate(bed.sim, { askTimeoutOnLaunch: true });
      const engine = bed.executor({
        conventions: kubernautConventions,
        kubernetesApi: kubernetesApi(),
      });
      const wfe = asServiceAccount(template.name, 'wfe-token-test', 'workflow-sa');
      wfe.spec.timesOutAt = new Date(Date.now() + 90 * 60_000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
      const before = Date.now();
      const { resourceName, warnings } = await engine.create(wfe, env.namespace);
      const after = Date.now();
      const launch = launchOf(wfe);
      expect(resourceName).toBe(`awx-job-${launch.id}`);
      expect(warnings).toEqual([]);
      const [credential, ...others] = credentialsOf(bed.sim, wfe, 'kubernaut-').filter(
        (c) => 'bearer_token' in c.inputs,
      );
      expect(others).toEqual([]);
      expect(launch.credentials).toContain(credential!.id);
      const token = credential!.inputs.bearer_token as string;
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      expect(claims.sub).toBe(`system:serviceaccount:${env.namespace}:workflow-sa`);
      // Past kubernaut's 1 h default: the time left until timesOutAt when the engine asked (some
      // moment during create), and Roundhouse's five-minute margin, in whole seconds.
      const lifetime = claims.exp - claims.iat;
      const leftAt = (t: number) => (Date.parse(wfe.spec.timesOutAt!) - t) / 1000 + 5 * 60;
      expect(lifetime).toBeGreaterThanOrEqual(Math.floor(leftAt(after)));
      expect(lifetime).toBeLessThanOrEqual(Math.ceil(leftAt(before)));
      expect(lifetime).toBeGreaterThan(60 * 60);
      await cleanUp(engine, withRef(wfe, resourceName), env.namespace);
    });

    /**
     * `bed.kube`, its TokenRequests answered as kubernaut's reactor answers them: the token
     * expiring `minutes` from now. The API server here grants whatever it is asked, as no
     * --service-account-max-token-expiration caps it; the token itself is the API server's.
     */
    const shortenedTokens = (minutes: number): KubeClient =>
      new Proxy(bed.kube, {
        get(client, property) {
          const value: unknown = Reflect.get(client, property, client);
          if (typeof value !== 'function') return value;
          if (property !== 'create') return value.bind(client);
          return async (...args: Parameters<KubeClient['create']>) => {
            const answer = await client.create(...args);
            if (args[3]?.subresource?.subresource !== 'token') return answer;
            const object = answer.object as { status: Record<string, unknown> };
            const expirationTimestamp = new Date(Date.now() + minutes * 60_000)
              .toISOString()
              .replace(/\.\d{3}Z$/, 'Z');
            return { ...answer, object: { status: { ...object.status, expirationTimestamp } } };
          };
        },
      });

    it('UT-WE-501-008: warns with TokenTTLInsufficient / TokenTTLShortened when the API server shortens the token below the execution timeout, and launches all the same', async () => {
      const template = seedTemplate(bed.sim, { askTimeoutOnLaunch: true });
      const engine = new AnsibleExecutor(bed.awx, shortenedTokens(10), {
        logger: bed.log.logger,
        conventions: kubernautConventions,
        kubernetesApi: kubernetesApi(),
      });
      const wfe = asServiceAccount(template.name, 'wfe-token-short', 'workflow-sa');
      wfe.spec.timesOutAt = new Date(Date.now() + 60 * 60_000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
      const { resourceName, warnings } = await engine.create(wfe, env.namespace);
      // A soft warning: the job is launched with the short token.
      expect(resourceName).toBe(`awx-job-${launchOf(wfe).id}`);
      // kubernaut's words, its Go durations in whole seconds: the lifetime from just before the
      // engine asked to the expiration (whole seconds, so up to a second under ten minutes), and
      // the time left until timesOutAt when it asked.
      expect(warnings).toEqual([
        {
          type: 'TokenTTLInsufficient',
          reason: 'TokenTTLShortened',
          message: expect.stringMatching(
            /^granted token TTL (9m5\ds|10m\d+s) is shorter than execution timeout (1h0m0s|59m\d+s) — playbook may receive 401 errors if it outlives the token$/,
          ),
        },
      ]);
      await cleanUp(engine, withRef(wfe, resourceName), env.namespace);
    });

    it("UT-WE-500-002, UT-WE-500-006: launches with the Kubernetes API credential beside the Secret's, and cleanup deletes both", async () => {
      const template = seedTemplate(bed.sim);
      await createSecret(bed.kube, env.namespace, 'gitea-repo-creds-k8s', {
        username: 'admin',
        password: 'secret123',
      });
      const engine = bed.executor({
        conventions: kubernautConventions,
        kubernetesApi: kubernetesApi(),
      });
      const wfe = asServiceAccount(template.name, 'we-k8s-plus-secrets', 'workflow-sa');
      const { resourceName } = await engine.create(wfe, env.namespace, {
        dependencies: { secrets: [{ name: 'gitea-repo-creds-k8s' }] },
      });
      const created = credentialsOf(bed.sim, wfe, 'kubernaut-');
      expect(created).toHaveLength(2);
      const api = created.find((c) => 'bearer_token' in c.inputs);
      const secret = created.find((c) => c.inputs.username === 'admin');
      expect(launchOf(wfe).credentials).toEqual(expect.arrayContaining([api!.id, secret!.id]));
      await cleanUp(engine, withRef(wfe, resourceName), env.namespace);
      expect(credentialsOf(bed.sim, wfe, 'kubernaut-')).toEqual([]);
    });

    it('UT-WE-501-006: names the TokenRequest and the ServiceAccount that does not exist, launching nothing', async () => {
      const template = seedTemplate(bed.sim);
      const engine = bed.executor({
        conventions: kubernautConventions,
        kubernetesApi: kubernetesApi(),
      });
      const wfe = asServiceAccount(template.name, 'wfe-token-test', 'nonexistent-sa');
      const refused = engine.create(wfe, env.namespace);
      await expect(refused).rejects.toThrow(ConfigurationError);
      await expect(refused).rejects.toThrow(/TokenRequest/);
      await expect(refused).rejects.toThrow(/nonexistent-sa/);
      expect(jobsOf(bed.sim, wfe)).toEqual([]);
    });
  });
});
