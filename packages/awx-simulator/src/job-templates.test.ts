/**
 * Past 350 lines: the launch endpoint's rules, prompt by prompt, against one simulator set-up.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const request = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: typeof body === 'string' || body === undefined ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Body,
  };
};
const auth = () => ({ Authorization: `Bearer ${sim.token}` });
const credentialOf = (type: number, name: string) =>
  sim.state.addCredential({
    name,
    credential_type: type,
    organization: 1,
    inputs: { password: 'p' },
  }).id;

let typeA: number;
let typeB: number;
let templateCred: number;

beforeAll(async () => {
  sim = await startAwxSimulator();
  const type = (name: string) =>
    sim.state.addCredentialType({
      name,
      kind: 'cloud',
      inputs: { fields: [{ id: 'password', label: 'password', secret: true }] },
    }).id;
  typeA = type('type-a');
  typeB = type('type-b');
  templateCred = credentialOf(typeA, 'template-a');
});
afterAll(() => sim.stop());

describe('job templates', () => {
  it('is found by exact name and lists its credentials', async () => {
    const template = sim.state.addJobTemplate({ name: 'remediate', credentials: [templateCred] });
    const found = await request('GET', 'job_templates/?name=remediate');
    expect(found.body).toMatchObject({
      count: 1,
      results: [{ id: template.id, name: 'remediate' }],
    });
    const credentials = await request('GET', `job_templates/${template.id}/credentials/`);
    expect(credentials.body.results.map((c: { id: number }) => c.id)).toEqual([templateCred]);
    expect((await request('GET', `job_templates/${template.id}/`)).body).toMatchObject({
      ask_variables_on_launch: false,
      ask_credential_on_launch: false,
      status: 'never updated',
    });
  });

  it('launches anyway when prompts are not asked for, listing them in ignored_fields', async () => {
    const template = sim.state.addJobTemplate({ name: 'no-prompts', credentials: [templateCred] });
    const extra = credentialOf(typeB, 'ephemeral-b');
    const launched = await request('POST', `job_templates/${template.id}/launch/`, {
      extra_vars: { WFE_NAME: 'wfe-1' },
      credentials: [templateCred, extra],
      limit: 'web',
    });
    expect(launched.status).toBe(201);
    expect(launched.headers.get('location')).toBe(`${sim.apiUrl}jobs/${launched.body.job}/`);
    expect(launched.body).toMatchObject({
      job: launched.body.id,
      ignored_fields: { extra_vars: { WFE_NAME: 'wfe-1' }, credentials: [extra], limit: 'web' },
      extra_vars: '{}',
      status: 'pending',
      job_template: template.id,
    });
    expect(sim.state.job(launched.body.job)?.credentials).toEqual([templateCred]);
  });

  it('takes prompted extra_vars as an object or JSON text, keeping big integers exact', async () => {
    const template = sim.state.addJobTemplate({
      name: 'prompts',
      askVariablesOnLaunch: true,
      extraVars: { region: 'eu', replicas: 1 },
    });
    const asText = await request(
      'POST',
      `job_templates/${template.id}/launch/`,
      '{"extra_vars": "{\\"replicas\\": 9223372036854775807, \\"ratio\\": 0.5}"}',
    );
    expect(asText.body.extra_vars).toBe(
      '{"region": "eu", "replicas": 9223372036854775807, "ratio": 0.5}',
    );
    expect(asText.body.ignored_fields).toEqual({});
    const asObject = await request(
      'POST',
      `job_templates/${template.id}/launch/`,
      '{"extra_vars": {"id": 9223372036854775807, "name": "\u00e9"}}',
    );
    expect(asObject.body.extra_vars).toBe(
      '{"region": "eu", "replicas": 1, "id": 9223372036854775807, "name": "\\u00e9"}',
    );
  });

  it('refuses extra_vars that are not a mapping, in the words of parse_yaml_or_json', async () => {
    const template = sim.state.addJobTemplate({ name: 'bad-vars', askVariablesOnLaunch: true });
    const launch = async (extraVars: unknown) =>
      (await request('POST', `job_templates/${template.id}/launch/`, { extra_vars: extraVars }))
        .body;
    expect(await launch([1])).toEqual({
      extra_vars: [
        'Cannot parse as JSON (error: the JSON object must be str, bytes or bytearray, not ' +
          "list) or YAML (error: 'list' object has no attribute 'read').",
      ],
    });
    expect(await launch(5)).toEqual({
      extra_vars: [
        'Cannot parse as JSON (error: the JSON object must be str, bytes or bytearray, not ' +
          "int) or YAML (error: 'int' object has no attribute 'read').",
      ],
    });
    expect(await launch('[1]')).toEqual({
      extra_vars: [
        'Cannot parse as JSON (error: Input type `list` is not a dictionary) or YAML (error: ' +
          'Input type `list` is not a dictionary).',
      ],
    });
    expect(await launch(null)).toEqual({ extra_vars: ['This field may not be null.'] });
    // YAML reads `null` and blank text as nothing: a launch without variables.
    for (const nothing of ['null', ' ', '""']) {
      expect(await launch(nothing)).toMatchObject({ ignored_fields: {} });
    }
  });

  it('replaces the template credential of the same type with a prompted one', async () => {
    const template = sim.state.addJobTemplate({
      name: 'replace',
      askCredentialOnLaunch: true,
      credentials: [templateCred],
    });
    const replacement = credentialOf(typeA, 'replacement-a');
    const extra = credentialOf(typeB, 'added-b');
    const launched = await request('POST', `job_templates/${template.id}/launch/`, {
      credentials: [replacement, extra],
    });
    expect(launched.status).toBe(201);
    expect(sim.state.job(launched.body.job)?.credentials).toEqual([replacement, extra]);
    expect(launched.body.summary_fields.credentials.map((c: { id: number }) => c.id)).toEqual([
      replacement,
      extra,
    ]);
  });

  it('refuses two new credentials of one type and dropping a template credential, named as str() names it (BaseModel.__str__, awx/main/models/base.py:103: name-pk)', async () => {
    const template = sim.state.addJobTemplate({
      name: 'strict',
      askCredentialOnLaunch: true,
      credentials: [templateCred],
    });
    const b1 = credentialOf(typeB, 'b-one');
    const b2 = credentialOf(typeB, 'b-two');
    expect(
      (
        await request('POST', `job_templates/${template.id}/launch/`, {
          credentials: [templateCred, b1, b2],
        })
      ).body,
    ).toEqual({ credentials: ['Cannot assign multiple type-b credentials.'] });
    expect(
      (await request('POST', `job_templates/${template.id}/launch/`, { credentials: [b1] })).body,
    ).toEqual({
      credentials: [
        `Removing type-a credential at launch time without replacement is not supported. Provided list lacked credential(s): template-a-${templateCred}.`,
      ],
    });
    expect(
      (await request('POST', `job_templates/${template.id}/launch/`, { credentials: [999] })).body,
    ).toEqual({
      credentials: ['Invalid pk "999" - object does not exist.'],
    });
    expect(sim.state.jobs().filter((j) => j.jobTemplate === template.id)).toEqual([]);
  });

  it("names dropped credentials in the order of the set AWX builds from the template's credentials by name (Credential.Meta.ordering), not as they were attached", async () => {
    // Two ids 8 apart take one slot of CPython's 8-slot table: the first inserted keeps it.
    const low = credentialOf(typeA, 'zz-name-order');
    for (let i = 1; i < 8; i++) credentialOf(typeA, `name-order-filler-${i}`);
    const high = credentialOf(typeB, 'aa-name-order');
    expect(high - low).toBe(8);
    const template = sim.state.addJobTemplate({
      name: 'name-order-dropped',
      askCredentialOnLaunch: true,
      credentials: [low, high],
    });
    const dropped = await request('POST', `job_templates/${template.id}/launch/`, {
      credentials: [],
    });
    expect(dropped.status).toBe(400);
    const lacked = `Provided list lacked credential(s): aa-name-order-${high}, zz-name-order-${low}.`;
    expect(dropped.body).toEqual({
      credentials: ['type-b', 'type-a'].map(
        (type) =>
          `Removing ${type} credential at launch time without replacement is not supported. ${lacked}`,
      ),
    });
  });

  it("lists ignored and dropped credentials in the order of the Python set AWX builds them in, not the launch's or the template's", async () => {
    // CPython puts a small int in the slot of its low three bits: of two ids 7 apart, the
    // larger comes first unless the smaller's low bits are 0. Types alternate, so the two differ.
    const ids: number[] = [];
    for (let i = 0; i < 9; i++) ids.push(credentialOf(i % 2 ? typeA : typeB, `set-order-${i}`));
    const low = ids.find((id) => id % 8 !== 0 && ids.includes(id + 7)) as number;
    const high = low + 7;
    const unprompted = sim.state.addJobTemplate({ name: 'set-order-ignored' });
    const ignored = await request('POST', `job_templates/${unprompted.id}/launch/`, {
      credentials: [low, high],
    });
    expect(ignored.status).toBe(201);
    expect(ignored.body.ignored_fields).toEqual({ credentials: [high, low] });

    const held = sim.state.addJobTemplate({
      name: 'set-order-dropped',
      askCredentialOnLaunch: true,
      credentials: [low, high],
    });
    const dropped = await request('POST', `job_templates/${held.id}/launch/`, { credentials: [] });
    expect(dropped.status).toBe(400);
    const named = (id: number) => sim.state.liveCredentials().find((c) => c.id === id)?.name;
    const lacked = `Provided list lacked credential(s): ${named(high)}-${high}, ${named(low)}-${low}.`;
    const typeName = (id: number) => (ids.indexOf(id) % 2 ? 'type-a' : 'type-b');
    expect(dropped.body).toEqual({
      credentials: [high, low].map(
        (id) =>
          `Removing ${typeName(id)} credential at launch time without replacement is not supported. ${lacked}`,
      ),
    });
  });

  it("shows the current job's status, then failed for a last job canceled, as _get_current_status keeps it", async () => {
    const template = sim.state.addJobTemplate({
      name: 'status-kept',
      schedule: { pendingMs: 100, waitingMs: 0, runningMs: 60_000, cancelMs: 0 },
    });
    const shown = async () => (await request('GET', `job_templates/${template.id}/`)).body;
    const { id } = sim.state.launch(template.id);
    expect(await shown()).toMatchObject({ status: 'pending', last_job_run: null });
    await vi.waitFor(async () => expect((await shown()).status).toBe('running'), {
      timeout: 5_000,
    });
    expect((await shown()).summary_fields.last_job).toBeUndefined();
    const cancel = await fetch(`${sim.apiUrl}jobs/${id}/cancel/`, {
      method: 'POST',
      headers: auth(),
    });
    expect(cancel.status).toBe(202);
    await vi.waitFor(() => expect(sim.state.job(id)?.status).toBe('canceled'), { timeout: 5_000 });
    expect(await shown()).toMatchObject({
      status: 'failed',
      last_job_failed: true,
      summary_fields: { last_job: { id, status: 'canceled' } },
    });
  });

  it('takes a launch timeout only when the template prompts for it', async () => {
    const prompted = sim.state.addJobTemplate({
      name: 'timeout-prompted',
      askTimeoutOnLaunch: true,
      timeout: 600,
    });
    const fixed = sim.state.addJobTemplate({ name: 'timeout-fixed', timeout: 600 });
    const launch = (id: number, timeout: unknown) =>
      request('POST', `job_templates/${id}/launch/`, { timeout });
    const taken = await launch(prompted.id, '30');
    expect(taken.body).toMatchObject({ ignored_fields: {}, timeout: 30 });
    const ignored = await launch(fixed.id, 30);
    expect(ignored.body).toMatchObject({ ignored_fields: { timeout: 30 }, timeout: 600 });
    // The template's own value is neither taken nor ignored.
    expect((await launch(fixed.id, 600)).body).toMatchObject({ ignored_fields: {} });
    expect((await launch(prompted.id, true)).body).toEqual({
      timeout: ['A valid integer is required.'],
    });
    expect((await request('GET', `job_templates/${prompted.id}/`)).body).toMatchObject({
      ask_timeout_on_launch: true,
      timeout: 600,
    });
  });

  it('describes what a launch needs on GET launch/', async () => {
    const template = sim.state.addJobTemplate({ name: 'describe', askVariablesOnLaunch: true });
    expect((await request('GET', `job_templates/${template.id}/launch/`)).body).toMatchObject({
      can_start_without_user_input: false,
      ask_variables_on_launch: true,
      ask_credential_on_launch: false,
      job_template_data: { id: template.id, name: 'describe' },
    });
  });

  it("lists GET launch/'s fields in JobLaunchSerializer's order, not the template view's", async () => {
    const template = sim.state.addJobTemplate({ name: 'describe-order' });
    const launch = await request('GET', `job_templates/${template.id}/launch/`);
    const flags = Object.keys(launch.body).filter((key) => key.startsWith('ask_'));
    expect(flags.slice(0, 8)).toEqual([
      'ask_scm_branch_on_launch',
      'ask_variables_on_launch',
      'ask_tags_on_launch',
      'ask_diff_mode_on_launch',
      'ask_skip_tags_on_launch',
      'ask_job_type_on_launch',
      'ask_limit_on_launch',
      'ask_verbosity_on_launch',
    ]);
    const view = await request('GET', `job_templates/${template.id}/`);
    const viewFlags = Object.keys(view.body).filter((key) => key.startsWith('ask_'));
    expect(viewFlags.slice(0, 3)).toEqual([
      'ask_scm_branch_on_launch',
      'ask_diff_mode_on_launch',
      'ask_variables_on_launch',
    ]);
  });

  it('refuses to launch a template without an inventory, and says so on GET launch/', async () => {
    const template = sim.state.addJobTemplate({ name: 'no-inventory', inventory: null });
    const path = `job_templates/${template.id}/launch/`;
    expect((await request('GET', `job_templates/${template.id}/`)).body.inventory).toBeNull();
    expect((await request('GET', path)).body).toMatchObject({
      inventory_needed_to_start: true,
      defaults: { inventory: { id: null, name: null } },
    });
    const jobs = sim.state.jobs().length;
    // The template does not prompt for an inventory, so the one given is ignored too.
    const refused = await request('POST', path, { inventory: 1 });
    expect(refused).toMatchObject({
      status: 400,
      body: { resources_needed_to_start: ['Job Template inventory is missing or undefined.'] },
    });
    expect(sim.state.jobs()).toHaveLength(jobs);
    const seeded = sim.state.addJobTemplate({ name: 'with-inventory' });
    expect((await request('GET', `job_templates/${seeded.id}/launch/`)).body).toMatchObject({
      inventory_needed_to_start: false,
      defaults: { inventory: { id: 1, name: 'Demo Inventory' } },
    });
  });

  it("refuses to launch a template whose project's last update failed", async () => {
    const template = sim.state.addJobTemplate({ name: 'unsynced', projectUpdateFailed: true });
    const path = `job_templates/${template.id}/launch/`;
    // GET launch/ has no field for it: only the launch finds out.
    expect((await request('GET', path)).body).toMatchObject({ can_start_without_user_input: true });
    const jobs = sim.state.jobs().length;
    const refused = await request('POST', path, {});
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      playbook: ['Missing a revision to run due to failed project update.'],
    });
    expect(sim.state.jobs()).toHaveLength(jobs);
  });

  it('lists the reasons a launch is refused in the order AWX gathers them, prompts before credentials', async () => {
    const template = sim.state.addJobTemplate({
      name: 'refused-for-all',
      askCredentialOnLaunch: true,
      credentials: [templateCred],
      inventory: null,
      projectUpdateFailed: true,
      surveyEnabled: true,
      surveySpec: {
        name: '',
        description: '',
        spec: [{ type: 'text', question_name: 'Q', variable: 'q', required: true }],
      },
    });
    const b1 = credentialOf(typeB, 'order-b-one');
    const b2 = credentialOf(typeB, 'order-b-two');
    const refused = await request('POST', `job_templates/${template.id}/launch/`, {
      credentials: [templateCred, b1, b2],
    });
    expect(refused.status).toBe(400);
    // _accept_or_ignore_job_kwargs's errors first, then JobLaunchSerializer.validate's.
    expect(Object.keys(refused.body)).toEqual([
      'variables_needed_to_start',
      'resources_needed_to_start',
      'playbook',
      'credentials',
    ]);
    expect(refused.body.credentials).toEqual(['Cannot assign multiple type-b credentials.']);
  });

  it('launches a workflow job, and no job, when the template slices across its hosts', async () => {
    const template = sim.state.addJobTemplate({
      name: 'sliced',
      jobSliceCount: 3,
      inventoryHosts: 5,
      schedule: { pendingMs: 60_000 },
    });
    const jobsBefore = sim.state.jobs().length;
    const response = await request('POST', `job_templates/${template.id}/launch/`, {});
    expect(response.status).toBe(201);
    expect(response.body).not.toHaveProperty('job');
    expect(response.body).toMatchObject({
      workflow_job: response.body.id,
      ignored_fields: {},
      type: 'workflow_job',
      is_sliced_job: true,
      job_template: template.id,
      status: 'pending',
    });
    expect(response.headers.get('location')).toMatch(
      new RegExp(`/api/v2/workflow_jobs/${response.body.id}/$`),
    );
    expect(sim.state.jobs()).toHaveLength(jobsBefore);
    expect(sim.state.workflowJobs().at(-1)).toMatchObject({ id: response.body.id, slices: 3 });

    const cancel = `workflow_jobs/${response.body.id}/cancel/`;
    expect(
      (await fetch(`${sim.apiUrl}${cancel}`, { method: 'POST', headers: auth() })).status,
    ).toBe(202);
    expect((await request('GET', `workflow_jobs/${response.body.id}/`)).body.status).toBe(
      'canceled',
    );
    expect(
      (await fetch(`${sim.apiUrl}${cancel}`, { method: 'POST', headers: auth() })).status,
    ).toBe(405);
  });

  it("lists a sliced launch's workflow job by its template and creation, with its extra_vars", async () => {
    const template = sim.state.addJobTemplate({
      name: 'sliced-listed',
      jobSliceCount: 2,
      inventoryHosts: 2,
      askVariablesOnLaunch: true,
      schedule: { pendingMs: 60_000 },
    });
    const { body } = await request('POST', `job_templates/${template.id}/launch/`, {
      extra_vars: { marker: 'm-1' },
    });
    const listed = await request(
      'GET',
      `workflow_jobs/?job_template=${template.id}&created__gt=2000-01-01T00:00:00Z&order_by=-created`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.results).toMatchObject([
      { id: body.id, job_template: template.id, is_sliced_job: true, status: 'pending' },
    ]);
    expect(JSON.parse(listed.body.results[0].extra_vars)).toEqual({ marker: 'm-1' });
    expect((await request('GET', 'workflow_jobs/?extra_vars__contains=m-1')).status).toBe(403);
  });

  it('cancels a running workflow job only later, as AWX cancels the jobs it spawned', async () => {
    const template = sim.state.addJobTemplate({
      name: 'sliced-running',
      jobSliceCount: 2,
      inventoryHosts: 2,
      // Its slices run until canceled, so only the cancel ends it.
      schedule: { pendingMs: 0, runningMs: 60_000, cancelMs: 300 },
    });
    const { body } = await request('POST', `job_templates/${template.id}/launch/`, {});
    const view = async () => (await request('GET', `workflow_jobs/${body.id}/`)).body;
    await vi.waitFor(async () => expect((await view()).status).toBe('running'));
    expect((await view()).started).not.toBeNull();
    const cancel = () =>
      fetch(`${sim.apiUrl}workflow_jobs/${body.id}/cancel/`, { method: 'POST', headers: auth() });
    expect((await cancel()).status).toBe(202);
    // Flagged, not ended: asked again, AWX accepts again and changes nothing.
    expect((await view()).status).toBe('running');
    expect((await cancel()).status).toBe(202);
    expect((await request('GET', `workflow_jobs/${body.id}/cancel/`)).body).toEqual({
      can_cancel: true,
    });
    await vi.waitFor(async () => expect((await view()).status).toBe('canceled'));
    expect((await cancel()).status).toBe(405);
  });

  it('checks the other prompts as JobLaunchSerializer does, and lists those given in ignored_fields', async () => {
    const template = sim.state.addJobTemplate({
      name: 'unprompted',
      schedule: { pendingMs: 60_000 },
    });
    const launch = (body: unknown) => request('POST', `job_templates/${template.id}/launch/`, body);
    expect(
      await launch({
        inventory: 7,
        execution_environment: 2,
        labels: [3],
        instance_groups: ['x'],
        forks: -1,
      }),
    ).toMatchObject({
      status: 400,
      body: {
        inventory: ['Invalid pk "7" - object does not exist.'],
        execution_environment: ['Invalid pk "2" - object does not exist.'],
        labels: ['Invalid pk "3" - object does not exist.'],
        instance_groups: ['Incorrect type. Expected pk value, received str.'],
        forks: ['Ensure this value is greater than or equal to 0.'],
      },
    });
    expect((await launch({ execution_environment: null })).body).toEqual({
      execution_environment: ['This field may not be null.'],
    });
    // An older client's inventory_id is the inventory, unless the launch gives that too.
    expect((await launch({ inventory_id: 7 })).body).toEqual({
      inventory: ['Invalid pk "7" - object does not exist.'],
    });
    expect((await launch({ inventory_id: null })).body).toEqual({
      inventory: ['This field may not be null.'],
    });
    expect((await launch({ inventory: 1, inventory_id: 7 })).status).toBe(201);
    expect((await launch({ limit: 'web\u0000' })).body).toEqual({
      limit: ['Null characters are not allowed.'],
    });
    // The template's own values are no prompt; a list of labels or instance groups always is.
    const same = await launch({ inventory: 1, forks: 0 });
    expect(same.body.ignored_fields).toEqual({});
    const given = await launch({ forks: 5, labels: [], instance_groups: [] });
    expect(given.status).toBe(201);
    expect(given.body.ignored_fields).toEqual({ forks: 5, labels: [], instance_groups: [] });
  });

  it("words a launch's field errors in JobLaunchSerializer's Meta.fields order, extra_vars first", async () => {
    const template = sim.state.addJobTemplate({ name: 'field-order' });
    const refused = await request('POST', `job_templates/${template.id}/launch/`, {
      timeout: 'y',
      job_slice_count: 'z',
      credentials: [999],
      scm_branch: null,
      job_type: 'x',
      inventory: 7,
      extra_vars: 5,
    });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body)).toEqual([
      'extra_vars',
      'inventory',
      'scm_branch',
      'job_type',
      'credentials',
      'job_slice_count',
      'timeout',
    ]);
  });

  it('slices no further than the inventory has hosts, and takes a prompted count', async () => {
    const oneHost = sim.state.addJobTemplate({ name: 'one-host', jobSliceCount: 3 });
    expect((await request('POST', `job_templates/${oneHost.id}/launch/`, {})).body).toHaveProperty(
      'job',
    );
    const prompted = sim.state.addJobTemplate({
      name: 'prompted-slices',
      jobSliceCount: 3,
      askJobSliceCountOnLaunch: true,
      inventoryHosts: 5,
    });
    const launch = (body: unknown) => request('POST', `job_templates/${prompted.id}/launch/`, body);
    expect((await launch({ job_slice_count: 1 })).body).toMatchObject({ ignored_fields: {} });
    expect((await launch({ job_slice_count: 1 })).body).toHaveProperty('job');
    expect(await launch({ job_slice_count: -1 })).toMatchObject({
      status: 400,
      body: { job_slice_count: ['Ensure this value is greater than or equal to 0.'] },
    });
    const few = sim.state.addJobTemplate({
      name: 'few-hosts',
      askJobSliceCountOnLaunch: true,
    });
    expect(
      await request('POST', `job_templates/${few.id}/launch/`, { job_slice_count: 2 }),
    ).toMatchObject({
      status: 400,
      body: { job_slice_count: ['Job inventory does not have enough hosts for slicing'] },
    });
  });

  it('ignores a slice count the template does not prompt for, and slices anyway', async () => {
    const template = sim.state.addJobTemplate({
      name: 'unprompted-slices',
      jobSliceCount: 2,
      inventoryHosts: 2,
    });
    const response = await request('POST', `job_templates/${template.id}/launch/`, {
      job_slice_count: 1,
    });
    expect(response.body).toMatchObject({ ignored_fields: { job_slice_count: 1 } });
    expect(response.body).toHaveProperty('workflow_job');
  });
});
