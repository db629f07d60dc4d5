import { describe, expect, it } from 'vitest';
import { parseCli, runCli } from './cli.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

describe('cli', () => {
  it('reads flags over environment variables', () => {
    const config = parseCli(['--port', '0', '--ask-variables', '--outcome', 'failed'], {
      AWX_SIMULATOR_PORT: '9000',
      AWX_SIMULATOR_TOKEN: 'from-env',
      AWX_SIMULATOR_API_PREFIX: '/api/controller/v2/',
      AWX_SIMULATOR_TEMPLATE: 'Remediate',
    });
    expect(config.options).toMatchObject({
      port: 0,
      token: 'from-env',
      apiPrefix: '/api/controller/v2/',
    });
    expect(config.template).toMatchObject({
      name: 'Remediate',
      askVariablesOnLaunch: true,
      askCredentialOnLaunch: false,
      schedule: { outcome: 'failed' },
    });
  });

  it('seeds a survey from --survey-spec or AWX_SIMULATOR_SURVEY_SPEC', async () => {
    const spec = {
      name: 'n',
      description: 'd',
      spec: [{ type: 'text', question_name: 'q', variable: 'v', required: true }],
    };
    const fromFlag = parseCli(['--survey-spec', JSON.stringify(spec), '--survey-enabled'], {});
    expect(fromFlag.template).toMatchObject({ surveyEnabled: true, surveySpec: spec });
    const fromEnv = parseCli([], { AWX_SIMULATOR_SURVEY_SPEC: JSON.stringify(spec) });
    expect(fromEnv.template).toMatchObject({ surveyEnabled: false, surveySpec: spec });
    expect(parseCli([], {}).template.surveySpec).toBeUndefined();
    expect(() => parseCli(['--survey-spec', '[]'], {})).toThrow(/JSON object/);
    expect(() => parseCli(['--survey-spec', '{'], {})).toThrow(/JSON object/);
    // A spec AWX would refuse fails the start.
    await expect(
      runCli(parseCli(['--port', '0', '--survey-spec', '{"name": "n"}'], {})),
    ).rejects.toThrow("Field 'spec' is missing from survey spec.");
  });

  it('rejects unknown flags and invalid values', () => {
    expect(() => parseCli(['--bogus'], {})).toThrow();
    expect(() => parseCli(['--api-prefix', '/api/v1/'], {})).toThrow();
    expect(() => parseCli(['--host', '0.0.0.0'], {})).toThrow();
  });

  it('starts a server with the seeded template and prints where and how to reach it', async () => {
    const { simulator, lines } = await runCli(parseCli(['--port', '0', '--token', 'tok'], {}));
    try {
      expect(lines).toEqual([
        `AWX_URL=${simulator.url}`,
        'AWX_API_PREFIX=/api/v2/',
        'AWX_TOKEN=tok',
        'AWX_JOB_TEMPLATE_ID=1',
        'AWX_JOB_TEMPLATE_NAME=Demo Job Template',
      ]);
      const response = await fetch(`${simulator.apiUrl}job_templates/?name=Demo%20Job%20Template`, {
        headers: { Authorization: 'Bearer tok' },
      });
      expect(((await response.json()) as Body).count).toBe(1);
    } finally {
      await simulator.stop();
    }
  });
});
