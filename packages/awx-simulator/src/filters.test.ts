import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const get = async (path: string) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    headers: { Authorization: `Bearer ${sim.token}` },
  });
  return { status: response.status, body: (await response.json()) as Body };
};
const launch = async (template: number) => {
  const response = await fetch(`${sim.apiUrl}job_templates/${template}/launch/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.token}` },
  });
  return (await response.json()) as { id: number; created: string };
};
const ids = (body: { results: { id: number }[] }) => body.results.map((r) => r.id);

let alpha: number;
let beta: number;

beforeAll(async () => {
  sim = await startAwxSimulator();
  alpha = sim.state.addJobTemplate({ name: 'alpha deploy' }).id;
  beta = sim.state.addJobTemplate({ name: 'beta deploy', schedule: { outcome: 'failed' } }).id;
});
afterAll(() => sim.stop());

describe('filters', () => {
  it('finds a template by exact name, by prefix and by case-insensitive substring', async () => {
    expect(ids((await get('job_templates/?name=alpha%20deploy')).body)).toEqual([alpha]);
    expect(ids((await get('job_templates/?name=alpha')).body)).toEqual([]);
    expect(ids((await get('job_templates/?name__startswith=beta')).body)).toEqual([beta]);
    expect(ids((await get('job_templates/?name__icontains=DEPLOY')).body)).toEqual([alpha, beta]);
    expect(ids((await get('job_templates/?not__name=alpha+deploy')).body)).toEqual([beta]);
  });

  it('filters credential types by name prefix and kind', async () => {
    const cloud = (await get('credential_types/?kind=cloud&name__startswith=Amazon')).body;
    expect(cloud.results.map((t: { name: string }) => t.name)).toEqual(['Amazon Web Services']);
  });

  it('finds jobs of a template created after a point in time, newest first', async () => {
    const first = await launch(alpha);
    const second = await launch(alpha);
    await launch(beta);
    const after = encodeURIComponent(first.created);
    const { body } = await get(`jobs/?job_template=${alpha}&created__gt=${after}&order_by=-id`);
    expect(ids(body)).toEqual([second.id]);
    expect(
      ids((await get(`jobs/?id__in=${first.id},${second.id}&order_by=-created`)).body),
    ).toEqual([second.id, first.id]);
  });

  it('orders by whichever of order and order_by comes later, and the last value of one repeated', async () => {
    const first = await launch(alpha);
    const second = await launch(alpha);
    const both = `jobs/?id__in=${first.id},${second.id}`;
    expect(ids((await get(`${both}&order_by=-id&order=id`)).body)).toEqual([first.id, second.id]);
    expect(ids((await get(`${both}&order=id&order_by=-id`)).body)).toEqual([second.id, first.id]);
    expect(ids((await get(`${both}&order_by=id&order_by=-id`)).body)).toEqual([
      second.id,
      first.id,
    ]);
    // The key's first place counts: a later value of the earlier key does not move it.
    expect(ids((await get(`${both}&order=-id&order_by=id&order=-id`)).body)).toEqual([
      first.id,
      second.id,
    ]);
  });

  it("ignores the query parameters django-ansible-base reserves, even a model's field", async () => {
    const all = ids((await get('jobs/')).body);
    expect(all.length).toBeGreaterThan(0);
    expect(ids((await get('jobs/?limit=nothing&validate=x')).body)).toEqual(all);
  });

  it('refuses filters on unknown fields with 400 naming the field', async () => {
    expect(await get('jobs/?bogus=1')).toEqual({
      status: 400,
      body: { detail: "Job has no field named 'bogus'" },
    });
    expect((await get('credentials/?order_by=bogus')).body).toEqual({
      detail: "Credential has no field named 'bogus'",
    });
  });

  it("reads an id, a related id and __int as Python's int() does", async () => {
    // int() takes underscores between digits, any script's digits and U+0085 around them.
    expect(ids((await get(`job_templates/?id=%C2%850_${alpha}`)).body)).toEqual([alpha]);
    const job = await launch(beta);
    const arabicIndic = [...String(beta)]
      .map((digit) => String.fromCodePoint(0x660 + Number(digit)))
      .join('');
    const ofBeta = ids((await get(`jobs/?job_template=${beta}`)).body);
    expect(ofBeta).toContain(job.id);
    expect(ids((await get(`jobs/?job_template=${encodeURIComponent(arabicIndic)}`)).body)).toEqual(
      ofBeta,
    );
    expect(ids((await get(`jobs/?id__int=${encodeURIComponent(`\u3000${job.id}`)}`)).body)).toEqual(
      [job.id],
    );
    // Not U+FEFF, which JavaScript's \s counts.
    expect((await get(`jobs/?job_template=%EF%BB%BF${beta}`)).body).toEqual({
      detail: `Invalid job_template id: \ufeff${beta}`,
    });
  });

  it("words a bad __int value with Python's repr of it, cut at 200 characters", async () => {
    const refusal = async (value: string) =>
      (await get(`jobs/?id__int=${encodeURIComponent(value)}`)).body;
    expect(await refusal("it's")).toEqual({
      detail: `invalid literal for int() with base 10: "it's"`,
    });
    expect(await refusal('a\\b\tc\u00a0\u2028')).toEqual({
      detail: "invalid literal for int() with base 10: 'a\\\\b\\tc\\xa0\\u2028'",
    });
    expect(await refusal('x'.repeat(250))).toEqual({
      detail: `invalid literal for int() with base 10: '${'x'.repeat(199)}`,
    });
  });

  it('refuses values the field cannot hold', async () => {
    expect((await get('jobs/?job_template=abc')).body).toEqual({
      detail: 'Invalid job_template id: abc',
    });
    expect((await get('jobs/?id=abc')).body).toEqual({
      detail: '["\u201cabc\u201d value must be an integer."]',
    });
    // json.dumps of Django's messages escapes what JSON must.
    expect((await get(`jobs/?id=${encodeURIComponent('a"b\\c\td')}`)).body).toEqual({
      detail: '["\u201ca\\"b\\\\c\\td\u201d value must be an integer."]',
    });
    expect((await get('jobs/?failed=maybe')).body).toEqual({
      detail: 'Unable to convert "maybe" to boolean',
    });
    // An unencoded `+` in an offset arrives as a space, which Django cannot parse.
    const unencoded = await get('jobs/?created__gt=2024-01-01T00:00:00+00:00');
    expect(unencoded.status).toBe(400);
    expect(unencoded.body.detail).toContain('value has an invalid format');
  });

  it('matches case-insensitively only on text fields, as FieldLookupBackend allows', async () => {
    const { id } = await launch(alpha);
    expect(ids((await get(`jobs/?name__iexact=ALPHA+DEPLOY&id=${id}`)).body)).toEqual([id]);
    expect(await get(`jobs/?id__iexact=${id}`)).toEqual({
      status: 400,
      body: { detail: 'id is not a text field and cannot be filtered by case-insensitive search' },
    });
    expect((await get(`jobs/?job_template__iexact=${alpha}`)).body).toEqual({
      detail: 'job_template is not a text field and cannot be filtered by case-insensitive search',
    });
    // A JSONField is filtered as its text, but not case-insensitively.
    expect((await get('credential_types/?inputs__iexact=x')).body).toEqual({
      detail: 'inputs is not a text field and cannot be filtered by case-insensitive search',
    });
  });

  it('refuses a __search lookup on a field that is no relation, and a field name that is not ASCII', async () => {
    expect(await get('job_templates/?name__search=alpha')).toEqual({
      status: 400,
      body: { detail: 'name is not searchable' },
    });
    expect(await get('job_templates/?n%C3%A4me=alpha')).toEqual({
      status: 400,
      body: { detail: 'n\u00e4me is not an allowed field name. Must be ascii encodable.' },
    });
  });

  it('keeps the rows of a list only when `type` names their type, as TypeFilterBackend does', async () => {
    const all = ids((await get('job_templates/')).body);
    expect(all).toEqual([alpha, beta]);
    expect(ids((await get('job_templates/?type=job_template')).body)).toEqual(all);
    expect(ids((await get('job_templates/?type=workflow_job_template,job_template')).body)).toEqual(
      all,
    );
    expect(ids((await get('job_templates/?type=job')).body)).toEqual([]);
    expect(ids((await get('job_templates/?type=')).body)).toEqual([]);
    // Like any parameter of a QueryDict, its last value counts.
    expect(ids((await get('job_templates/?type=job_template&type=job')).body)).toEqual([]);
    const types = (await get('credential_types/?type=credential')).body;
    expect(types.count).toBe(0);
  });

  it('splits search terms as DRF 3.15 does, and takes the last search given', async () => {
    const search = async (terms: string) => ids((await get(`job_templates/?search=${terms}`)).body);
    expect(await search('deploy+alpha')).toEqual([alpha]);
    expect(await search('deploy,beta')).toEqual([beta]);
    // A quoted phrase is one term: no template's name holds "deploy alpha".
    expect(await search(encodeURIComponent('"deploy alpha"'))).toEqual([]);
    expect(await search(encodeURIComponent('"alpha deploy"'))).toEqual([alpha]);
    expect(await search('alpha&search=beta')).toEqual([beta]);
    expect(await get('job_templates/?search=a%00b')).toEqual({
      status: 400,
      body: ['Null characters are not allowed.'],
    });
  });

  it("answers an empty field name in order_by with AWX's 500", async () => {
    expect((await get('job_templates/?order_by=name,')).status).toBe(500);
    expect((await get('job_templates/?order_by=-')).body).toEqual({
      detail: "JobTemplate has no field named ''",
    });
  });

  it('forbids filtering on extra_vars and on credential inputs with 403, as AWX does', async () => {
    expect(await get('jobs/?extra_vars__contains=marker')).toEqual({
      status: 403,
      body: { detail: 'Filtering on extra_vars is not allowed.' },
    });
    expect(await get('credentials/?inputs__icontains=x')).toEqual({
      status: 403,
      body: { detail: 'Filtering on field inputs is not allowed.' },
    });
  });

  // Last: it adds templates that the lists above do not expect.
  it("compares __int's integer by all its digits, and refuses past int()'s digit limit in its words", async () => {
    // DAB's int(value) then str() of it: 10^21 is no 1e+21, 2^53 + 1 not rounded.
    const big = sim.state.addJobTemplate({ name: '1000000000000000000000' }).id;
    const odd = sim.state.addJobTemplate({ name: '9007199254740993' }).id;
    expect(ids((await get('job_templates/?name__int=+0_1000000000000000000000')).body)).toEqual([
      big,
    ]);
    expect(ids((await get('job_templates/?name__int=9007199254740993')).body)).toEqual([odd]);
    const limit =
      'Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit';
    // CPython counts the run of digits before it looks at what follows it.
    for (const value of ['1'.repeat(4301), `-${'0'.repeat(4301)}x`]) {
      const { status, body } = await get(`jobs/?id__int=${value}`);
      expect([status, body]).toEqual([400, { detail: limit }]);
    }
  });

  it('gives the lookups after __int the int, not its text, as FieldLookupBackend does', async () => {
    const refusal = async (query: string) => {
      const { status, body } = await get(`jobs/?${query}`);
      return [status, body];
    };
    expect(await refusal('created__gt__int=5')).toEqual([
      400,
      { detail: 'fromisoformat: argument must be str' },
    ]);
    expect(await refusal('name__regex__int=5')).toEqual([
      400,
      { detail: 'first argument must be string or compiled pattern' },
    ]);
    expect(await refusal('id__in__int=-0')).toEqual([
      400,
      { detail: 'cannot provide empty value for __in' },
    ]);
    // value_to_python's value.split(','), an AttributeError nothing catches.
    expect((await get('jobs/?id__in__int=5')).status).toBe(500);
    // A `__search` key is read before `__int` would read its value.
    expect(await refusal('name__search__int=abc')).toEqual([
      400,
      { detail: 'name is not searchable' },
    ]);
  });
});
