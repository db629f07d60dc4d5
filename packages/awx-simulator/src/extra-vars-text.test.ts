/**
 * extra_vars given as text, which AWX reads with `parse_yaml_or_json`: JSON first, then YAML as
 * PyYAML's `safe_load` reads it (YAML 1.1), then `json.dumps` into the job's `extra_vars`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

let sim: AwxSimulator;
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const get = async (path: string) =>
  (await (
    await fetch(`${sim.apiUrl}${path}`, { headers: { Authorization: `Bearer ${sim.token}` } })
  ).json()) as Record<string, unknown>;

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe('extra_vars as YAML text', () => {
  it('launches with YAML 1.1 variables and stores them as json.dumps text', async () => {
    const template = sim.state.addJobTemplate({ name: 'yaml-launch', askVariablesOnLaunch: true });
    const launched = await post(`job_templates/${template.id}/launch/`, {
      extra_vars:
        'replicas: 3\nmode: fast\nenabled: yes\nmask: 0755\nversion: 1e5\nratio: 1.50\nlimit: ~',
    });
    const stored =
      '{"replicas": 3, "mode": "fast", "enabled": true, "mask": 493, "version": "1e5", ' +
      '"ratio": 1.5, "limit": null}';
    expect(launched).toMatchObject({ status: 201, body: { extra_vars: stored } });
    expect(await get(`jobs/${launched.body.id}/`)).toMatchObject({ extra_vars: stored });
  });

  it("keeps a dict's key order, integer-like keys in their place too", async () => {
    const template = sim.state.addJobTemplate({
      name: 'key-order',
      askVariablesOnLaunch: true,
      extraVars: '{"z": 0, "5": 5}',
    });
    // The body is written by hand: JSON.stringify would put "10" first itself.
    const launch = async (extraVars: string) => {
      const response = await fetch(`${sim.apiUrl}job_templates/${template.id}/launch/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
        body: `{"extra_vars": ${extraVars}}`,
      });
      return (await response.json()) as Record<string, unknown>;
    };
    const stored = '{"z": 0, "5": 5, "b": 1, "10": 2}';
    for (const extraVars of [
      '{"b": 1, "10": 2}',
      JSON.stringify('{"b": 1, "10": 2}'),
      JSON.stringify('b: 1\n10: 2'),
    ]) {
      const launched = await launch(extraVars);
      expect(launched.extra_vars, extraVars).toBe(stored);
      expect((await get(`jobs/${launched.id}/`)).extra_vars).toBe(stored);
    }
  });

  it('follows anchors and merge keys, the mapping own keys winning', async () => {
    const template = sim.state.addJobTemplate({ name: 'yaml-merge', askVariablesOnLaunch: true });
    const launched = await post(`job_templates/${template.id}/launch/`, {
      extra_vars: 'base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3',
    });
    expect(launched.body.extra_vars).toBe(
      '{"base": {"x": 1, "y": 2}, "derived": {"x": 1, "y": 3}}',
    );
  });

  it('refuses YAML that is not a mapping, or that JSON cannot hold, as AWX words it', async () => {
    const template = sim.state.addJobTemplate({ name: 'yaml-bad', askVariablesOnLaunch: true });
    const launch = (extraVars: string) =>
      post(`job_templates/${template.id}/launch/`, { extra_vars: extraVars });
    expect(await launch('- a\n- b')).toEqual({
      status: 400,
      body: {
        extra_vars: [
          'Cannot parse as JSON (error: Expecting value: line 1 column 1 (char 0)) or YAML ' +
            '(error: Input type `list` is not a dictionary).',
        ],
      },
    });
    expect((await launch('just text')).body).toEqual({
      extra_vars: [
        'Cannot parse as JSON (error: Expecting value: line 1 column 1 (char 0)) or YAML ' +
          '(error: Input type `str` is not a dictionary).',
      ],
    });
    expect((await launch('3: x\nwhen: 2024-01-01')).body).toEqual({
      extra_vars: [
        'Variables not compatible with JSON standard (error: Object of type date is not JSON ' +
          'serializable)',
      ],
    });
    expect(await launch('a: [1, 2')).toEqual({
      status: 400,
      body: {
        extra_vars: [
          'Cannot parse as JSON (error: Expecting value: line 1 column 1 (char 0)) or YAML ' +
            '(error: while parsing a flow sequence\n' +
            '  in "<unicode string>", line 1, column 4:\n    a: [1, 2\n       ^\n' +
            "expected ',' or ']', but got '<stream end>'\n" +
            '  in "<unicode string>", line 1, column 9:\n    a: [1, 2\n            ^).',
        ],
      },
    });
    expect(sim.state.jobs().filter((job) => job.jobTemplate === template.id)).toEqual([]);
  });

  it("refuses a plain `=` value with PyYAML's error, and takes a `=` key as text", async () => {
    const template = sim.state.addJobTemplate({ name: 'yaml-value', askVariablesOnLaunch: true });
    const launch = (extraVars: string) =>
      post(`job_templates/${template.id}/launch/`, { extra_vars: extraVars });
    expect(await launch('mode: =')).toEqual({
      status: 400,
      body: {
        extra_vars: [
          'Cannot parse as JSON (error: Expecting value: line 1 column 1 (char 0)) or YAML ' +
            "(error: could not determine a constructor for the tag 'tag:yaml.org,2002:value'\n" +
            '  in "<unicode string>", line 1, column 7:\n    mode: =\n          ^).',
        ],
      },
    });
    const launched = await launch('=: equals');
    expect(launched).toMatchObject({ status: 201, body: { extra_vars: '{"=": "equals"}' } });
  });

  it("refuses a Python object tag with PyYAML's mark of it, and answers 500 to a date Python cannot make", async () => {
    const template = sim.state.addJobTemplate({ name: 'yaml-tags', askVariablesOnLaunch: true });
    const launch = (extraVars: string) =>
      post(`job_templates/${template.id}/launch/`, { extra_vars: extraVars });
    expect(await launch('ok: 1\nrun: !!python/object/apply:os.system [id]')).toEqual({
      status: 400,
      body: {
        extra_vars: [
          'Cannot parse as JSON (error: Expecting value: line 1 column 1 (char 0)) or YAML ' +
            "(error: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'\n" +
            '  in "<unicode string>", line 2, column 6:\n' +
            '    run: !!python/object/apply:os.system [id]\n         ^).',
        ],
      },
    });
    expect(await launch('due: 2020-02-30')).toEqual({
      status: 500,
      body: { detail: 'A server error has occurred.' },
    });
  });

  it('answers 500 to extra_vars whose aliases expand exponentially, and goes on answering', async () => {
    const template = sim.state.addJobTemplate({ name: 'yaml-laughs', askVariablesOnLaunch: true });
    const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) {
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    }
    const refused = await post(`job_templates/${template.id}/launch/`, {
      extra_vars: lines.join('\n'),
    });
    expect(refused).toEqual({ status: 500, body: { detail: 'A server error has occurred.' } });
    expect(sim.state.jobs().filter((job) => job.jobTemplate === template.id)).toEqual([]);
    expect(await get(`job_templates/${template.id}/`)).toMatchObject({ id: template.id });
  });

  it("shows a template's YAML text as is and merges what it reads under the launch's", async () => {
    const template = sim.state.addJobTemplate({
      name: 'yaml-template',
      askVariablesOnLaunch: true,
      extraVars: '---\nregion: eu\nreplicas: 1\n',
    });
    expect(await get(`job_templates/${template.id}/`)).toMatchObject({
      extra_vars: '---\nregion: eu\nreplicas: 1\n',
    });
    const launched = await post(`job_templates/${template.id}/launch/`, {
      extra_vars: '{"replicas": 2}',
    });
    expect(launched.body.extra_vars).toBe('{"region": "eu", "replicas": 2}');
  });
});
