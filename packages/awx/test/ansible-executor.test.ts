/**
 * Past 350 lines: the ansible engine's lifecycle against one AWX simulator and one control plane
 * per file; a second file would start both again for the same template set-up.
 */
import { awxJobRef } from '@roundhouse/awx';
import { startAwxSimulator } from '@roundhouse/awx-simulator';
import {
  ConfigurationError,
  ExecutionForbiddenError,
  type WorkflowExecution,
} from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import {
  addMachineCredential,
  cleanUp,
  createConfigMap,
  createSecret,
  interceptAwx,
  jobsOf,
  lockOf,
  makeExecution,
  patience,
  seedTemplate,
  settle,
  useTestbed,
  withRef,
} from './testbed.js';

describeWithControlPlane('AnsibleExecutor against the AWX simulator', () => {
  const { env, bed } = useTestbed();

  const apiCredentials = () => bed.sim.state.liveCredentials({ origin: 'api' });

  async function rejection(promise: Promise<unknown>): Promise<ConfigurationError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }

  /** A create with a Secret, refused before any credential was made (and so none rolled back). */
  async function refusedBeforeCredentials(templateName: string, secret: string) {
    await createSecret(bed.kube, env.namespace, secret, { k: 'v' });
    const deletedBefore = bed.sim.state.deletedCredentials().length;
    const wfe = makeExecution(templateName);
    const error = await rejection(
      bed.executor().create(wfe, env.namespace, { dependencies: { secrets: [{ name: secret }] } }),
    );
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(apiCredentials()).toEqual([]);
    expect(bed.sim.state.deletedCredentials()).toHaveLength(deletedBefore);
    return error;
  }

  it('runs a template with a Secret and a ConfigMap, then leaves no credential behind', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 30, runningMs: 1_500 } });
    await createSecret(bed.kube, env.namespace, 'db-creds', { username: 'app', password: 'pw-1' });
    await createConfigMap(bed.kube, env.namespace, 'app-settings', { 'log-level': 'debug' });
    const executor = bed.executor();
    const created = makeExecution(template.name, {
      spec: {
        parameters: { REPLICAS: '3', BIG: '9223372036854775807', DRY_RUN: 'false' },
        remediationRequestRef: { name: 'rr-7', namespace: 'kubernaut' },
      },
    });
    const dependencies = {
      secrets: [{ name: 'db-creds' }],
      configMaps: [{ name: 'app-settings' }],
    };

    const { resourceName, warnings } = await executor.create(created, env.namespace, {
      dependencies,
    });
    const [job, ...others] = jobsOf(bed.sim, created);
    expect(others).toEqual([]);
    expect(resourceName).toBe(awxJobRef(job!.id));
    expect(warnings).toEqual([]);
    // Types as kubernaut sends them, int64 digit for digit, and the Secret nowhere in them.
    expect(job!.extraVars).toContain('"BIG": 9223372036854775807');
    expect(JSON.parse(job!.extraVars)).toMatchObject({
      REPLICAS: 3,
      DRY_RUN: false,
      WFE_NAME: created.metadata.name,
      WFE_NAMESPACE: 'team-a',
      RR_NAME: 'rr-7',
      RR_NAMESPACE: 'kubernaut',
      ROUNDHOUSE_CONFIGMAP_APP_SETTINGS_LOG_LEVEL: 'debug',
      ROUNDHOUSE_EXECUTION_ID: `team-a/${created.metadata.name}/${created.metadata.uid}`,
    });
    expect(job!.extraVars).not.toContain('pw-1');

    const [credential, ...more] = apiCredentials();
    expect(more).toEqual([]);
    expect(job!.credentials).toEqual([credential!.id]);
    expect(credential!.inputs).toEqual({ username: 'app', password: 'pw-1' });
    const type = bed.sim.state.credentialTypes().find((t) => t.id === credential!.credentialType);
    expect(type).toMatchObject({
      name: 'roundhouse-secret-db-creds',
      kind: 'cloud',
      injectors: {
        env: {
          ROUNDHOUSE_SECRET_DB_CREDS_PASSWORD: '{{password}}',
          ROUNDHOUSE_SECRET_DB_CREDS_USERNAME: '{{username}}',
        },
      },
    });

    const wfe = withRef(created, resourceName);
    expect((await executor.getStatus(wfe, env.namespace))?.phase).toMatch(/^(Pending|Running)$/);
    expect(await settle(executor, wfe, env.namespace)).toMatchObject({
      phase: 'Completed',
      reason: 'AWXJobSuccessful',
      summary: { status: 'True' },
    });

    await cleanUp(executor, wfe, env.namespace);
    expect(apiCredentials()).toEqual([]);
    await cleanUp(executor, wfe, env.namespace);
    expect(bed.sim.state.job(job!.id)?.status).toBe('successful');
  });

  it("keeps the template's own credentials on a launch with ephemeral ones", async () => {
    const own = addMachineCredential(bed.sim, 'inventory-ssh');
    const template = seedTemplate(bed.sim, { credentials: [own.id] });
    await createSecret(bed.kube, env.namespace, 'api-token', { token: 't' });
    const executor = bed.executor();
    const wfe = makeExecution(template.name);
    await executor.create(wfe, env.namespace, {
      dependencies: { secrets: [{ name: 'api-token' }] },
    });

    const [job] = jobsOf(bed.sim, wfe);
    const [ephemeral] = apiCredentials();
    expect(job!.credentials).toEqual([own.id, ephemeral!.id]);
    await cleanUp(executor, wfe, env.namespace);
    expect(apiCredentials()).toEqual([]);
    expect(bed.sim.state.liveCredentials().map((c) => c.id)).toContain(own.id);
  });

  it("never sends AWX an empty credential list, which would drop the template's own", async () => {
    const own = addMachineCredential(bed.sim, 'inventory-ssh-2');
    const template = seedTemplate(bed.sim, { credentials: [own.id] });
    const { job } = await bed.awx.launch(template.id, { extraVars: {}, credentials: [] });
    expect(bed.sim.state.job(job)?.credentials).toEqual([own.id]);
  });

  it('warns about a Secret without keys and launches without a credential for it', async () => {
    const template = seedTemplate(bed.sim, { askCredentialOnLaunch: false });
    await bed.kube.create(resources.secrets, env.namespace, { metadata: { name: 'empty' } });
    const executor = bed.executor();
    const wfe = makeExecution(template.name);
    const { warnings } = await executor.create(wfe, env.namespace, {
      dependencies: { secrets: [{ name: 'empty' }] },
    });
    expect(warnings).toEqual(['Secret empty has no keys; nothing of it is passed to AWX']);
    expect(jobsOf(bed.sim, wfe)[0]?.credentials).toEqual([]);
    expect(apiCredentials()).toEqual([]);
  });

  it("says that a ServiceAccount and container resources mean nothing to AWX, and launches with the template's credentials", async () => {
    const template = seedTemplate(bed.sim, { askCredentialOnLaunch: false });
    const executor = bed.executor();
    const wfe = makeExecution(template.name, {
      spec: {
        workflowRef: {
          workflowId: 'remediate',
          version: '1',
          executionBundle: 'registry.example/workflows/remediate:1',
          engineConfig: { jobTemplateName: template.name, playbookPath: 'playbooks/remediate.yml' },
          serviceAccountName: 'restarter',
          resources: { limits: { memory: '1Gi' } },
        },
      },
    });
    const { warnings } = await executor.create(wfe, env.namespace);
    expect(warnings).toEqual([
      "spec.workflowRef.serviceAccountName is not used by the ansible engine: AWX runs the job with the template's credentials",
      "spec.workflowRef.resources is not used by the ansible engine: the job runs in AWX's execution environment",
    ]);
    expect(jobsOf(bed.sim, wfe)).toHaveLength(1);
  });

  it('launches with only the parameters the workflow declares, warning of the rest', async () => {
    const template = seedTemplate(bed.sim, { askCredentialOnLaunch: false });
    const executor = bed.executor();
    const wfe = makeExecution(template.name, {
      spec: { parameters: { REPLICAS: '3', ansible_become_user: 'root' } },
    });
    const { warnings } = await executor.create(wfe, env.namespace, {
      declaredParameterNames: ['REPLICAS'],
    });
    expect(warnings).toEqual([
      'parameters the workflow does not declare were not passed to it: ansible_become_user',
    ]);
    const vars = JSON.parse(jobsOf(bed.sim, wfe)[0]?.extraVars ?? '{}');
    expect(vars).toMatchObject({ REPLICAS: 3 });
    expect(vars).not.toHaveProperty('ansible_become_user');
  });

  it('refuses a template that does not prompt for variables, launching nothing', async () => {
    const template = seedTemplate(bed.sim, { askVariablesOnLaunch: false });
    const error = await refusedBeforeCredentials(template.name, 'unused');
    expect(error.issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message: expect.stringMatching(
          /"Prompt on launch" for Variables \(ask_variables_on_launch\)/,
        ),
      },
    ]);
  });

  it('launches a template whose survey asks for every variable though it does not prompt for them', async () => {
    const question = (variable: string, extra: Record<string, unknown> = {}) => ({
      type: 'text',
      question_name: variable,
      variable,
      required: false,
      ...extra,
    });
    const engineVariables = [
      'WFE_NAME',
      'WFE_NAMESPACE',
      'RR_NAME',
      'RR_NAMESPACE',
      'ROUNDHOUSE_EXECUTION_ID',
    ];
    const surveyed = (spec: Record<string, unknown>[]) =>
      seedTemplate(bed.sim, {
        askVariablesOnLaunch: false,
        surveyEnabled: true,
        surveySpec: { name: 'Remediate', description: '', spec },
      });
    const full = surveyed([
      ...engineVariables.map((v) => question(v)),
      { type: 'integer', question_name: 'Replicas', variable: 'REPLICAS', required: true },
    ]);
    const wfe = makeExecution(full.name, { spec: { parameters: { REPLICAS: '3' } } });
    const { resourceName } = await bed.executor().create(wfe, env.namespace);
    const [job] = jobsOf(bed.sim, wfe);
    expect(resourceName).toBe(awxJobRef(job!.id));
    expect(JSON.parse(job!.extraVars)).toMatchObject({
      WFE_NAME: wfe.metadata.name,
      REPLICAS: 3,
    });
    await cleanUp(bed.executor(), withRef(wfe, resourceName), env.namespace);

    // A survey without the parameter: AWX would launch and drop it, so nothing is launched.
    const partial = surveyed(engineVariables.map((v) => question(v)));
    const missing = makeExecution(partial.name, { spec: { parameters: { REPLICAS: '3' } } });
    const refused = await rejection(bed.executor().create(missing, env.namespace));
    expect(refused.message).toContain('its survey does not ask for REPLICAS, so AWX would ignore');
    expect(jobsOf(bed.sim, missing)).toEqual([]);

    // AWX checks the answers: a value over the question's maximum length is its 400.
    const strict = surveyed(engineVariables.map((v) => question(v, { max: 3 })));
    const tooLong = makeExecution(strict.name);
    const invalid = await rejection(bed.executor().create(tooLong, env.namespace));
    expect(invalid.message).toContain(
      `AWX refused to launch job template "${strict.name}": variables_needed_to_start`,
    );
    expect(jobsOf(bed.sim, tooLong)).toEqual([]);
  });

  it('refuses a template whose survey requires a variable the execution lacks, before creating a credential', async () => {
    const template = seedTemplate(bed.sim, {
      surveyEnabled: true,
      surveySpec: {
        name: 'Remediate',
        description: '',
        spec: [
          {
            type: 'text',
            question_name: 'Region',
            variable: 'REGION',
            required: true,
            default: 'eu',
          },
        ],
      },
    });
    const error = await refusedBeforeCredentials(template.name, 'needed');
    expect(error.issues).toEqual([
      {
        path: 'spec.parameters.REGION',
        message: expect.stringMatching(/has a required survey question for REGION/),
      },
    ]);
  });

  it('refuses a template without an inventory before creating a credential', async () => {
    const template = seedTemplate(bed.sim, { inventory: null });
    const error = await refusedBeforeCredentials(template.name, 'inventoryless');
    expect(error.issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message: expect.stringMatching(/has no inventory, which AWX refuses a launch without/),
      },
    ]);
  });

  it('refuses a template that slices, launching nothing, and launches one that prompts with 1', async () => {
    const slicing = seedTemplate(bed.sim, { jobSliceCount: 3, inventoryHosts: 3 });
    const refused = makeExecution(slicing.name);
    const error = await rejection(bed.executor().create(refused, env.namespace));
    expect(error.issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message: expect.stringMatching(/slices its jobs \(job_slice_count 3\)/),
      },
    ]);
    expect(bed.sim.state.workflowJobs().filter((w) => w.jobTemplate === slicing.id)).toEqual([]);

    const prompting = seedTemplate(bed.sim, {
      jobSliceCount: 3,
      inventoryHosts: 3,
      askJobSliceCountOnLaunch: true,
    });
    const created = makeExecution(prompting.name);
    const { resourceName } = await bed.executor().create(created, env.namespace);
    expect(resourceName).toBe(awxJobRef(jobsOf(bed.sim, created)[0]!.id));
    expect(bed.sim.state.workflowJobs().filter((w) => w.jobTemplate === prompting.id)).toEqual([]);
    await cleanUp(bed.executor(), withRef(created, resourceName), env.namespace);
  });

  it('cancels the workflow job of a template that started slicing since it was read', async () => {
    // Still pending when canceled, so AWX ends it at once and the credentials go with it.
    const template = seedTemplate(bed.sim, {
      jobSliceCount: 2,
      inventoryHosts: 2,
      schedule: { pendingMs: 60_000 },
    });
    await createSecret(bed.kube, env.namespace, 'sliced-secret', { k: 'v' });
    // A template read before someone turned slicing on.
    const stale = interceptAwx(bed.awx, (_operation, call) => call(), {
      findJobTemplate: async (name, options) => ({
        ...(await bed.awx.findJobTemplate(name, options)),
        job_slice_count: 1,
      }),
    });
    const wfe = makeExecution(template.name);
    const error = await rejection(
      bed
        .executor({ awx: stale })
        .create(wfe, env.namespace, { dependencies: { secrets: [{ name: 'sliced-secret' }] } }),
    );
    const [workflow, ...more] = bed.sim.state
      .workflowJobs()
      .filter((w) => w.jobTemplate === template.id);
    expect(more).toEqual([]);
    expect(error.message).toContain(`launched workflow job ${workflow!.id} of sliced jobs`);
    expect(workflow!.status).toBe('canceled');
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(apiCredentials()).toEqual([]);
  });

  it('cancels a launch whose credentials AWX ignored and deletes them', async () => {
    // The template stops prompting for credentials between the check and the launch.
    const template = seedTemplate(bed.sim, {
      askCredentialOnLaunch: false,
      schedule: { pendingMs: 500, runningMs: 500 },
    });
    const stale = interceptAwx(bed.awx, (_operation, call) => call(), {
      findJobTemplate: async (name) => ({
        ...(await bed.awx.findJobTemplate(name)),
        ask_credential_on_launch: true,
      }),
    });
    await createSecret(bed.kube, env.namespace, 'ignored', { k: 'v' });
    const wfe = makeExecution(template.name);
    const error = await rejection(
      bed
        .executor({ awx: stale })
        .create(wfe, env.namespace, { dependencies: { secrets: [{ name: 'ignored' }] } }),
    );
    expect(error.message).toMatch(
      /ignored the launch's credentials: enable "Prompt on launch" for Credentials \(ask_credential_on_launch\)/,
    );
    const [job, ...others] = jobsOf(bed.sim, wfe);
    expect(others).toEqual([]);
    await vi.waitFor(() => expect(bed.sim.state.job(job!.id)?.status).toBe('canceled'), patience);
    expect(apiCredentials()).toEqual([]);
  });

  it('reports a failed job with its explanation and the end of its output', async () => {
    const template = seedTemplate(bed.sim, {
      schedule: {
        pendingMs: 20,
        runningMs: 100,
        outcome: 'failed',
        jobExplanation: 'Previous Task Failed: {"job_type": "project_update"}',
        stdout: [
          'PLAY [restart] ***',
          'TASK [restart service] ***',
          'fatal: [web-1]: FAILED! => rc=3',
        ],
      },
    });
    const executor = bed.executor();
    const created = makeExecution(template.name);
    const { resourceName } = await executor.create(created, env.namespace);
    const result = await settle(executor, withRef(created, resourceName), env.namespace);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'AWXJobFailed',
      failureReason: 'TaskFailed',
      summary: { status: 'False', reason: 'AWXJobFailed' },
    });
    expect(result.message).toContain('Previous Task Failed');
    expect(result.message).toMatch(/fatal: \[web-1\]: FAILED! => rc=3$/);
  });

  it('reads an output over 1 MiB through the download: the real tail and the real lines', async () => {
    const lines = Array.from({ length: 25_000 }, (_, i) => `ok: [host-${i}] ${'.'.repeat(40)}`);
    const template = seedTemplate(bed.sim, {
      schedule: {
        pendingMs: 20,
        runningMs: 100,
        outcome: 'failed',
        stdout: [...lines, 'fatal: [web-1]: FAILED! => rc=3'],
      },
    });
    const executor = bed.executor();
    const created = makeExecution(template.name);
    const { resourceName } = await executor.create(created, env.namespace);
    const wfe = withRef(created, resourceName);
    const result = await settle(executor, wfe, env.namespace);
    expect(result.message).not.toContain('too large to display');
    expect(result.message).toMatch(/ok: \[host-24999\] \.+\nfatal: \[web-1\]: FAILED! => rc=3$/);

    const given: string[] = [];
    for await (const line of executor.logs(wfe, env.namespace, { tailLines: 3 })) {
      given.push(line.text);
    }
    expect(given).toEqual([...lines.slice(-2), 'fatal: [web-1]: FAILED! => rc=3']);
  });

  it('reports a canceled job as failed with its own reason', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 5_000 } });
    const executor = bed.executor();
    const created = makeExecution(template.name);
    const { resourceName } = await executor.create(created, env.namespace);
    const wfe = withRef(created, resourceName);
    await cleanUp(executor, wfe, env.namespace);
    expect(await settle(executor, wfe, env.namespace)).toMatchObject({
      phase: 'Failed',
      reason: 'AWXJobCanceled',
    });
  });

  it('names a missing Secret and creates nothing', async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name);
    const error = await rejection(
      bed.executor().create(wfe, env.namespace, {
        dependencies: { secrets: [{ name: 'nope' }], configMaps: [] },
      }),
    );
    expect(error.issues).toEqual([
      {
        path: 'dependencies.secrets[0].name',
        message: `Secret nope does not exist in namespace ${env.namespace}`,
      },
    ]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });

  it('names a missing ConfigMap and launches nothing', async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name);
    const error = await rejection(
      bed.executor().create(wfe, env.namespace, {
        dependencies: { configMaps: [{ name: 'absent-settings' }] },
      }),
    );
    expect(error.issues).toEqual([
      {
        path: 'dependencies.configMaps[0].name',
        message: `ConfigMap absent-settings does not exist in namespace ${env.namespace}`,
      },
    ]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });

  it('refuses an engineConfig without playbookPath, as kubernaut does, taking no lock and launching nothing', async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name);
    wfe.spec.workflowRef.engineConfig = { jobTemplateName: template.name };
    const error = await rejection(bed.executor().create(wfe, env.namespace));
    expect(error.issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.playbookPath',
        message: expect.stringMatching(
          /^is required by the ansible engine, as kubernaut requires it/,
        ),
      },
    ]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });

  it('names a job template that does not exist', async () => {
    const error = await rejection(
      bed.executor().create(makeExecution('no-such-template'), env.namespace),
    );
    expect(error.issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message:
          'no AWX job template named "no-such-template" is visible to the AWX user: fix the ' +
          'name, or grant the user Read (or Execute) on the template; AWX lists only what a user ' +
          'may read',
      },
    ]);
  });

  it('refuses a template the operator did not allow, taking no lock and launching nothing', async () => {
    const allowed = seedTemplate(bed.sim);
    const other = seedTemplate(bed.sim);
    const executor = bed.executor({ allowedJobTemplates: [allowed.name] });
    const wfe = makeExecution(other.name);
    const refused = await executor.create(wfe, env.namespace).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ExecutionForbiddenError);
    expect(refused).toMatchObject({
      reason: 'Forbidden',
      path: 'spec.workflowRef.engineConfig.jobTemplateName',
    });
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
    expect(jobsOf(bed.sim, wfe)).toEqual([]);

    const permitted = makeExecution(allowed.name);
    await executor.create(permitted, env.namespace);
    expect(jobsOf(bed.sim, permitted)).toHaveLength(1);
  });

  it('refuses an execution for another cluster, taking no lock and asking AWX nothing', async () => {
    const template = seedTemplate(bed.sim);
    const executor = bed.executor();
    const before = bed.sim.requests.length;
    const wfe = makeExecution(template.name, { spec: { clusterID: 'remote-cluster-1' } });
    const error = await rejection(executor.create(wfe, env.namespace));
    expect(error.issues).toEqual([
      {
        path: 'spec.clusterID',
        message: expect.stringContaining('"remote-cluster-1"'),
      },
    ]);
    expect(bed.sim.requests).toHaveLength(before);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });

  it('injects a Secret that gained keys through a new type, never an incomplete one', async () => {
    const template = seedTemplate(bed.sim);
    const executor = bed.executor();
    const dependencies = { secrets: [{ name: 'growing' }] };
    await createSecret(bed.kube, env.namespace, 'growing', { user: 'u' });
    const first = makeExecution(template.name);
    await executor.create(first, env.namespace, { dependencies });
    const firstType = apiCredentials()[0]!.credentialType;
    await cleanUp(executor, first, env.namespace);

    await bed.kube.patch(resources.secrets, env.namespace, 'growing', {
      stringData: { token: 't' },
    });
    const second = makeExecution(template.name);
    await executor.create(second, env.namespace, { dependencies });
    const secondType = bed.sim.state
      .credentialTypes()
      .find((t) => t.id === apiCredentials()[0]!.credentialType);
    expect(secondType?.id).not.toBe(firstType);
    expect(secondType?.name).toMatch(/^roundhouse-secret-growing-v[0-9a-f]{10}$/);
    expect(secondType?.inputs.fields.map((f) => f.id)).toEqual(['token', 'user']);
    await cleanUp(executor, second, env.namespace);
    expect(apiCredentials()).toEqual([]);
  });

  it('reads a job that is not this execution’s, or not a job reference, as absent', async () => {
    const template = seedTemplate(bed.sim);
    const executor = bed.executor();
    const owner = makeExecution(template.name);
    const { resourceName } = await executor.create(owner, env.namespace);
    const other: WorkflowExecution = withRef(makeExecution(template.name), resourceName);
    expect(await executor.getStatus(other, env.namespace)).toBeNull();
    expect(await executor.getStatus(withRef(owner, 'wfe-0123'), env.namespace)).toBeNull();
    expect(await executor.getStatus(withRef(owner, 'awx-job-999999'), env.namespace)).toBeNull();
    await vi.waitFor(async () => {
      expect(await executor.getStatus(withRef(owner, resourceName), env.namespace)).not.toBeNull();
    }, patience);
  });

  it('is available with a valid token and says why not without one', async () => {
    expect(await bed.executor().availability()).toEqual({ available: true });
    const wrong = bed.executor({ awx: bed.client({ token: 'wrong-token', retries: 0 }) });
    expect(await wrong.availability()).toEqual({
      available: false,
      reason:
        `AWX at ${bed.sim.apiUrl}: AWX GET me/ answered 401: Authentication credentials were ` +
        'not provided. To establish a login session, visit /api/login/.',
    });
  });

  it("names the other API prefix when nothing serves the API at the client's", async () => {
    const aap = await startAwxSimulator({ token: bed.sim.token, apiPrefix: '/api/controller/v2/' });
    try {
      const awxPrefix = bed.executor({ awx: bed.client({ baseUrl: aap.url, retries: 0 }) });
      expect(await awxPrefix.availability()).toEqual({
        available: false,
        reason:
          `AWX at ${aap.url}/api/v2/: AWX GET me/ answered 404: The requested resource could ` +
          "not be found.; AAP 2.5 and later serve the controller's API under " +
          "/api/controller/v2/: set the client's apiPrefix to it",
      });
      const client = bed.client({ baseUrl: aap.url, apiPrefix: '/api/controller/v2/' });
      expect(await bed.executor({ awx: client }).availability()).toEqual({ available: true });
      const aapPrefix = bed.executor({
        awx: bed.client({ apiPrefix: '/api/controller/v2/', retries: 0 }),
      });
      expect(await aapPrefix.availability()).toEqual({
        available: false,
        reason: expect.stringMatching(
          /; AWX, and AAP before 2\.5, serve the API under \/api\/v2\/: set the client's apiPrefix to it$/,
        ),
      });
    } finally {
      await aap.stop();
    }
  });
});
