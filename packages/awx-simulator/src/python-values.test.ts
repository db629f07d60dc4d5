/**
 * Request values only Python's json.loads makes (NaN, the infinities) and floats where DRF wants
 * text, an integer or a choice: what AWX's serializer fields and renderers make of each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
/** Sends `text` as it is: JSON.stringify cannot write NaN. */
const post = async (path: string, text: string) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: text,
  });
  return { status: response.status, body: (await response.json()) as Body };
};
const get = async (path: string) =>
  (
    await fetch(`${sim.apiUrl}${path}`, { headers: { Authorization: `Bearer ${sim.token}` } })
  ).json() as Promise<Body>;

let asking: number;
let fixed: number;

beforeAll(async () => {
  sim = await startAwxSimulator();
  asking = sim.state.addJobTemplate({ name: 'asking', askVariablesOnLaunch: true }).id;
  fixed = sim.state.addJobTemplate({ name: 'fixed' }).id;
});
afterAll(() => sim.stop());

const launch = (template: number, text: string) => post(`job_templates/${template}/launch/`, text);

describe('NaN and the infinities in a launch', () => {
  it.each([
    ['{"extra_vars": {"a": {"b": [NaN]}}}', { extra_vars: ['Value must be valid JSON.'] }],
    ['{"extra_vars": Infinity}', { extra_vars: ['Value must be valid JSON.'] }],
    ['{"timeout": NaN}', { timeout: ['A valid integer is required.'] }],
    ['{"job_slice_count": Infinity}', { job_slice_count: ['A valid integer is required.'] }],
    ['{"forks": 1e400}', { forks: ['A valid integer is required.'] }],
    // re_decimal's \s is Python's, which U+FEFF is not; int() refuses what it leaves.
    ['{"timeout": "2.0\\ufeff"}', { timeout: ['A valid integer is required.'] }],
    ['{"verbosity": -Infinity}', { verbosity: ['"-inf" is not a valid choice.'] }],
  ])('refuses %s as DRF does, and makes no job', async (text, errors) => {
    const before = sim.state.jobs().length;
    expect(await launch(asking, text)).toEqual({ status: 400, body: errors });
    expect(sim.state.jobs()).toHaveLength(before);
  });

  it('takes NaN in extra_vars text, which json.loads reads, and keeps it as json.dumps writes it', async () => {
    const launched = await launch(asking, '{"extra_vars": "{\\"a\\": NaN, \\"b\\": [-Infinity]}"}');
    expect(launched.status).toBe(201);
    expect(launched.body.extra_vars).toBe('{"a": NaN, "b": [-Infinity]}');
    expect((await get(`jobs/${launched.body.job}/`)).extra_vars).toBe(
      '{"a": NaN, "b": [-Infinity]}',
    );
  });

  it('makes the job but answers 500 when the ignored variables it would echo hold NaN', async () => {
    const before = sim.state.jobs().length;
    expect(await launch(fixed, '{"extra_vars": "{\\"a\\": NaN}"}')).toEqual({
      status: 500,
      body: { detail: 'A server error has occurred.' },
    });
    expect(sim.state.jobs()).toHaveLength(before + 1);
  });

  it('answers 500 for an infinite credential id, which int() cannot convert', async () => {
    expect((await launch(asking, '{"credentials": [Infinity]}')).status).toBe(500);
  });
});

describe('floats and text where DRF wants another type', () => {
  it.each([
    ['{"limit": 1.5}', { limit: '1.5' }],
    ['{"limit": NaN}', { limit: 'nan' }],
    ['{"job_tags": 12345678901234567890}', { job_tags: '12345678901234567890' }],
    ['{"timeout": 2.0}', { timeout: 2 }],
    // re_decimal's \s takes U+001C, as str.strip() does; int() reads any script's digits.
    ['{"timeout": "2.0\\u001c"}', { timeout: 2 }],
    ['{"timeout": "\\u0662"}', { timeout: 2 }],
    ['{"diff_mode": "tRuE"}', { diff_mode: true }],
    ['{"diff_mode": 1.0}', { diff_mode: true }],
    // str.strip(): U+001F is whitespace to Python, U+FEFF is not.
    ['{"limit": "\\u001f"}', {}],
    ['{"limit": "\\ufeffweb "}', { limit: '\ufeffweb' }],
  ])('takes %s as DRF does (the template asks for none of it)', async (text, ignored) => {
    const launched = await launch(fixed, text);
    expect(launched.status).toBe(201);
    expect(launched.body.ignored_fields).toEqual(ignored);
  });

  it.each(['diff_mode', 'credentials', 'labels', 'instance_groups'])(
    'refuses a null %s before reading it, as Field.validate_empty_values does',
    async (name) => {
      expect(await launch(fixed, `{"${name}": null}`)).toEqual({
        status: 400,
        body: { [name]: ['This field may not be null.'] },
      });
    },
  );

  it('reads a primary key given as text with int(), sign and underscores too', async () => {
    expect(await launch(fixed, '{"credentials": [" +9_99 "]}')).toEqual({
      status: 400,
      body: { credentials: ['Invalid pk " +9_99 " - object does not exist.'] },
    });
  });

  it('words a float that is no verbosity choice, where it answered 500', async () => {
    expect(await launch(fixed, '{"verbosity": 1.0}')).toEqual({
      status: 400,
      body: { verbosity: ['"1.0" is not a valid choice.'] },
    });
  });
});

describe("the limits of DRF's IntegerField and of Python's int()", () => {
  const digits = '1'.repeat(4301);
  const limit = `Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit`;

  it('refuses a body holding an integer too long for int(), as a JSON parse error', async () => {
    expect(await launch(asking, `{"timeout": ${digits}}`)).toEqual({
      status: 400,
      body: { detail: `JSON parse error - ${limit}\nPossible cause: trailing comma.` },
    });
  });

  it('answers 500 for one in YAML extra_vars, whose int() nothing catches', async () => {
    const text = JSON.stringify({ extra_vars: `a: ${digits}` });
    expect((await launch(asking, text)).status).toBe(500);
  });

  it('refuses integer text longer than 1000 characters before reading it', async () => {
    expect(await launch(asking, JSON.stringify({ timeout: ` ${'1'.repeat(1000)}` }))).toEqual({
      status: 400,
      body: { timeout: ['String value too large.'] },
    });
  });
});

describe('NaN in a credential', () => {
  it('refuses it in the inputs JSONField, and takes it as text in a name', async () => {
    const type = sim.state.addCredentialType({
      name: 'nan-type',
      kind: 'cloud',
      inputs: { fields: [{ id: 'password', label: 'password', secret: true }] },
    }).id;
    expect(
      await post(
        'credentials/',
        `{"name": "c", "credential_type": ${type}, "organization": 1, "inputs": {"password": NaN}}`,
      ),
    ).toEqual({ status: 400, body: { inputs: ['Value must be valid JSON.'] } });
    const created = await post(
      'credentials/',
      `{"name": NaN, "credential_type": ${type}, "organization": 1, "inputs": {"password": "p"}}`,
    );
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('nan');
  });
});
