import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwxSimulator, AwxValidationError, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const request = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: typeof body === 'string' || body === undefined ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (text === '' ? undefined : JSON.parse(text)) as Body,
  };
};

const question = (variable: string, type: string, extra: Record<string, unknown> = {}) => ({
  question_name: variable,
  variable,
  type,
  required: false,
  ...extra,
});
const SURVEY = {
  name: 'Remediation',
  description: 'what to fix',
  spec: [
    question('replicas', 'integer', { required: true, min: 1, max: 5 }),
    question('region', 'multiplechoice', { choices: 'eu\nus', default: 'eu' }),
    question('db_password', 'password', { default: 's3cret' }),
  ],
};
let seq = 0;
const seed = (extra: Record<string, unknown> = {}) =>
  sim.state.addJobTemplate({
    name: `survey-${++seq}`,
    surveyEnabled: true,
    surveySpec: SURVEY,
    ...extra,
  });
const launch = (id: number, body: unknown) => request('POST', `job_templates/${id}/launch/`, body);

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe('job template surveys', () => {
  it('shows the survey on the template, and its spec with the password default hidden', async () => {
    const template = seed();
    const shown = await request('GET', `job_templates/${template.id}/`);
    expect(shown.body).toMatchObject({
      survey_enabled: true,
      related: { survey_spec: `/api/v2/job_templates/${template.id}/survey_spec/` },
      summary_fields: { survey: { title: 'Remediation', description: 'what to fix' } },
    });
    const spec = await request('GET', `job_templates/${template.id}/survey_spec/`);
    expect(spec.body.spec[2]).toEqual(
      question('db_password', 'password', { default: '$encrypted$' }),
    );
    expect(spec.body.spec[0]).toEqual(SURVEY.spec[0]);

    const plain = sim.state.addJobTemplate({ name: 'no-survey' });
    expect((await request('GET', `job_templates/${plain.id}/survey_spec/`)).body).toEqual({});
    expect((await request('GET', `job_templates/${plain.id}/`)).body).toMatchObject({
      survey_enabled: false,
      summary_fields: expect.not.objectContaining({ survey: expect.anything() }),
    });
    expect((await request('GET', 'job_templates/999/survey_spec/')).status).toBe(404);
  });

  it('filters templates on survey_enabled but never on survey_spec', async () => {
    const template = seed();
    const found = await request('GET', `job_templates/?survey_enabled=true&id=${template.id}`);
    expect(found.body.count).toBe(1);
    expect(await request('GET', 'job_templates/?survey_spec__icontains=s3cret')).toMatchObject({
      status: 403,
      body: { detail: 'Filtering on survey_spec is not allowed.' },
    });
  });

  it('replaces the spec on POST and empties it on DELETE, answering 200 with no body', async () => {
    const template = sim.state.addJobTemplate({ name: 'posted', surveyEnabled: true });
    const path = `job_templates/${template.id}/survey_spec/`;
    const posted = await request('POST', path, SURVEY);
    expect(posted).toEqual({ status: 200, contentType: null, body: undefined });
    expect((await request('GET', `job_templates/${template.id}/launch/`)).body).toMatchObject({
      survey_enabled: true,
      variables_needed_to_start: ['replicas'],
    });
    // Sending the hidden default back keeps the stored one.
    const kept = { ...SURVEY, spec: (await request('GET', path)).body.spec };
    expect((await request('POST', path, kept)).status).toBe(200);
    const job = await launch(template.id, { extra_vars: { replicas: 1 } });
    expect(sim.state.job(job.body.job)?.extraVars).toContain('"db_password": "s3cret"');

    expect(await request('DELETE', path)).toEqual({
      status: 200,
      contentType: null,
      body: undefined,
    });
    expect((await request('GET', path)).body).toEqual({});
    expect((await request('GET', `job_templates/${template.id}/`)).body.survey_enabled).toBe(true);
    expect((await request('GET', `job_templates/${template.id}/launch/`)).body).toMatchObject({
      survey_enabled: false,
      variables_needed_to_start: [],
    });
  });

  it("refuses a bad spec with AWX's error, and fails on a body it cannot read", async () => {
    const template = seed();
    const path = `job_templates/${template.id}/survey_spec/`;
    const duplicated = { ...SURVEY, spec: [SURVEY.spec[0], SURVEY.spec[0]] };
    expect(await request('POST', path, duplicated)).toMatchObject({
      status: 400,
      body: { error: "'variable' 'replicas' duplicated in survey question 1." },
    });
    // AWX's parser refuses a list; JSON null reaches the view as None, which it cannot check.
    expect(await request('POST', path, [])).toMatchObject({
      status: 400,
      body: { detail: 'JSON parse error - not a JSON object' },
    });
    expect(await request('POST', path, 'null')).toMatchObject({
      status: 500,
      body: { detail: 'A server error has occurred.' },
    });
    // Authentication has the body parsed before the template is looked up.
    expect((await request('POST', 'job_templates/999/survey_spec/', '{"name":')).status).toBe(400);
    expect((await request('POST', 'job_templates/999/survey_spec/', SURVEY)).status).toBe(404);
    expect((await request('GET', path)).body.spec).toHaveLength(3);
  });

  it('refuses a seeded spec as POST would', () => {
    let thrown: unknown;
    try {
      sim.state.addJobTemplate({ name: 'bad-seed', surveySpec: { name: 'n', spec: [] } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AwxValidationError);
    expect((thrown as AwxValidationError).errors).toEqual({
      error: "'spec' doesn't contain any items.",
    });
  });

  it('says on GET launch/ which variables a launch needs', async () => {
    const template = seed();
    expect((await request('GET', `job_templates/${template.id}/launch/`)).body).toMatchObject({
      can_start_without_user_input: false,
      survey_enabled: true,
      variables_needed_to_start: ['replicas'],
    });
    const optional = seed({ surveySpec: { ...SURVEY, spec: SURVEY.spec.slice(1) } });
    expect((await request('GET', `job_templates/${optional.id}/launch/`)).body).toMatchObject({
      can_start_without_user_input: true,
      variables_needed_to_start: [],
    });
  });

  it('refuses a launch whose answers break the survey, and makes no job', async () => {
    const template = seed({ askCredentialOnLaunch: true });
    expect(await launch(template.id, {})).toMatchObject({
      status: 400,
      body: { variables_needed_to_start: ["'replicas' value missing"] },
    });
    const refused = await launch(template.id, {
      extra_vars: { replicas: 9, region: 'mars' },
      credentials: [999],
    });
    expect(refused).toMatchObject({ status: 400 });
    // Field errors stop DRF before validate(), where the survey is checked.
    expect(refused.body).toEqual({ credentials: ['Invalid pk "999" - object does not exist.'] });
    expect(
      (await launch(template.id, { extra_vars: { replicas: 9, region: 'mars' } })).body,
    ).toEqual({
      variables_needed_to_start: [
        "'replicas' value 9 is too large (must be no more than 5).",
        "Value mars for 'region' expected to be one of ['eu', 'us'].",
      ],
    });
    expect(sim.state.jobs().filter((j) => j.jobTemplate === template.id)).toEqual([]);
  });

  it("reports the survey's errors with the launch's other ones", async () => {
    const template = seed({ askJobSliceCountOnLaunch: true });
    expect((await launch(template.id, { job_slice_count: 2 })).body).toEqual({
      variables_needed_to_start: ["'replicas' value missing"],
      job_slice_count: ['Job inventory does not have enough hosts for slicing'],
    });
  });

  it('takes survey answers without ask_variables_on_launch, and ignores other variables', async () => {
    const template = seed({ extraVars: { region: 'us', keep: 'same', level: 1 } });
    const launched = await launch(template.id, {
      extra_vars: '{"replicas": 2, "db_password": "typed", "keep": "same", "level": 2}',
    });
    expect(launched.status).toBe(201);
    expect(launched.body.ignored_fields).toEqual({ extra_vars: { level: 2 } });
    // Template variables, then survey defaults, then the answers; the password hidden.
    const shown =
      '{"region": "eu", "keep": "same", "level": 1, "db_password": "$encrypted$", "replicas": 2}';
    expect(launched.body.extra_vars).toBe(shown);
    expect((await request('GET', `jobs/${launched.body.job}/`)).body.extra_vars).toBe(shown);
    const listed = await request('GET', `jobs/?id=${launched.body.job}`);
    expect(listed.body.results[0].extra_vars).toBe(shown);
    expect(sim.state.job(launched.body.job)?.extraVars).toBe(
      '{"region": "eu", "keep": "same", "level": 1, "db_password": "typed", "replicas": 2}',
    );
  });

  it('runs with the stored password default when the launch sends `$encrypted$`', async () => {
    const template = seed();
    const launched = await launch(template.id, {
      extra_vars: { replicas: 1, db_password: '$encrypted$' },
    });
    expect(launched.body.ignored_fields).toEqual({});
    expect(sim.state.job(launched.body.job)?.extraVars).toBe(
      '{"region": "eu", "db_password": "s3cret", "replicas": 1}',
    );
  });

  it('applies no survey while it is disabled', async () => {
    const template = seed({ surveyEnabled: false });
    const launched = await launch(template.id, { extra_vars: { replicas: 99 } });
    expect(launched.body).toMatchObject({
      ignored_fields: { extra_vars: { replicas: 99 } },
      extra_vars: '{}',
    });
    expect((await request('GET', `job_templates/${template.id}/launch/`)).body).toMatchObject({
      survey_enabled: false,
      can_start_without_user_input: true,
    });
  });

  it('hides password answers on a sliced workflow job and its slices too', async () => {
    const template = seed({ jobSliceCount: 2, inventoryHosts: 2, schedule: { pendingMs: 0 } });
    const launched = await launch(template.id, { extra_vars: { replicas: 1 } });
    const shown = '{"region": "eu", "db_password": "$encrypted$", "replicas": 1}';
    expect(launched.body).toMatchObject({ workflow_job: launched.body.id, extra_vars: shown });
    const slices = async () =>
      (await request('GET', `jobs/?job_template=${template.id}&launch_type=workflow`)).body;
    await vi.waitFor(async () => expect((await slices()).count).toBe(2), {
      timeout: 10_000,
      interval: 20,
    });
    for (const job of (await slices()).results) {
      expect(job.extra_vars).toBe(shown);
      expect(JSON.parse(sim.state.job(job.id)?.extraVars ?? '{}')).toMatchObject({
        db_password: 's3cret',
      });
    }
  });
});

describe('surveys for a user who is not a System Administrator', () => {
  it('lets the template admin read, save and empty the spec, as JobTemplateAccess does', async () => {
    const other = await startAwxSimulator({ superuser: false });
    try {
      const template = other.state.addJobTemplate({ name: 'theirs' });
      const path = `${other.apiUrl}job_templates/${template.id}/survey_spec/`;
      const headers = {
        Authorization: `Bearer ${other.token}`,
        'Content-Type': 'application/json',
      };
      const post = await fetch(path, { method: 'POST', headers, body: JSON.stringify(SURVEY) });
      expect(post.status).toBe(200);
      expect((await fetch(path, { headers })).status).toBe(200);
      expect((await fetch(path, { method: 'DELETE', headers })).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
