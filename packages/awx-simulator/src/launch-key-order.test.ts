/**
 * The order of the keys AWX writes in a launch's `ignored_fields` and in `GET launch/`'s
 * `defaults`: both walk JobTemplate.get_ask_mapping (awx/main/models/unified_jobs.py:457), the
 * template's AskForFields in model field order, SurveyJobTemplateMixin's
 * (awx/main/models/mixins.py:108-134) before JobTemplate's own (awx/main/models/jobs.py:224-253).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

let sim: AwxSimulator;
const request = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

let credential: number;

beforeAll(async () => {
  sim = await startAwxSimulator();
  const type = sim.state.addCredentialType({
    name: 'ordered',
    kind: 'cloud',
    inputs: { fields: [{ id: 'token', label: 'token', secret: true }] },
  }).id;
  credential = sim.state.addCredential({
    name: 'ordered-credential',
    credential_type: type,
    organization: 1,
    inputs: { token: 't' },
  }).id;
});
afterAll(() => sim.stop());

describe('launch key order', () => {
  it('lists ignored_fields with extra_vars first, then in get_ask_mapping order (JobTemplate._accept_or_ignore_job_kwargs, jobs.py:432)', async () => {
    const template = sim.state.addJobTemplate({ name: 'ignores-everything' });
    // Sent in JobLaunchSerializer's Meta.fields order, which is not AWX's order of ignoring.
    const launched = await request('POST', `job_templates/${template.id}/launch/`, {
      instance_groups: [],
      timeout: 10,
      job_slice_count: 2,
      forks: 5,
      credentials: [credential],
      verbosity: 1,
      job_type: 'check',
      diff_mode: true,
      skip_tags: 's',
      job_tags: 't',
      labels: [],
      scm_branch: 'b',
      limit: 'h',
      extra_vars: { a: 1 },
    });
    expect(launched.status).toBe(201);
    expect(Object.keys(launched.body.ignored_fields as object)).toEqual([
      'extra_vars',
      'limit',
      'scm_branch',
      'labels',
      'job_tags',
      'skip_tags',
      'diff_mode',
      'job_type',
      'verbosity',
      'credentials',
      'forks',
      'job_slice_count',
      'timeout',
      'instance_groups',
    ]);
  });

  it("lists GET launch/'s defaults in get_ask_mapping order, credentials only when the template has one (JobLaunchSerializer.get_defaults, serializers.py:4632)", async () => {
    const bare = sim.state.addJobTemplate({ name: 'defaults-bare' });
    const withCredential = sim.state.addJobTemplate({
      name: 'defaults-credential',
      credentials: [credential],
    });
    const keys = async (id: number) =>
      Object.keys((await request('GET', `job_templates/${id}/launch/`)).body.defaults as object);
    const withoutCredentials = [
      'inventory',
      'limit',
      'scm_branch',
      'job_tags',
      'skip_tags',
      'extra_vars',
      'diff_mode',
      'job_type',
      'verbosity',
      'execution_environment',
      'forks',
      'job_slice_count',
      'timeout',
      'instance_groups',
    ];
    expect(await keys(bare.id)).toEqual(withoutCredentials);
    expect(await keys(withCredential.id)).toEqual([
      ...withoutCredentials.slice(0, 9),
      'credentials',
      ...withoutCredentials.slice(9),
    ]);
  });
});
