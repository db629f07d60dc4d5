import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { AwxApiError, AwxLookupError, AwxPermissionError } from './awx-errors.js';
import type { JobTemplateReader } from './awx-roles.js';
import { restartTemplate } from './fakes.test-support.js';
import type { JobTemplate, SurveyQuestion } from './schemas.js';
import { TemplateCatalog } from './template-catalog.js';

const template = (overrides: Partial<JobTemplate> = {}): JobTemplate => ({
  ...restartTemplate,
  ask_variables_on_launch: false,
  survey_enabled: true,
  ...overrides,
});

function reader(survey: SurveyQuestion[]) {
  const reads: number[] = [];
  const awx: JobTemplateReader = {
    findJobTemplate: async () => template(),
    templateCredentials: async () => [],
    launchRequirements: async () => ({
      passwords_needed_to_start: [],
      variables_needed_to_start: [],
      inventory_needed_to_start: false,
    }),
    surveyQuestions: async (id) => {
      reads.push(id);
      return survey;
    },
  };
  return { awx, reads };
}

describe('TemplateCatalog.survey', () => {
  it('reads an enabled survey, whatever the template prompts for, once per TTL until forgotten', async () => {
    const questions = [
      { variable: 'WFE_NAME', type: 'text' },
      { variable: 'REPLICAS', type: 'integer', min: 1 },
    ];
    const { awx, reads } = reader(questions);
    let now = 0;
    const catalog = new TemplateCatalog(awx, 1_000, () => now);
    expect(await catalog.survey(template({ survey_enabled: false }), undefined)).toBe(undefined);
    expect(reads).toEqual([]);

    // AWX checks the answers to an enabled survey even when the template prompts for Variables.
    const prompting = await catalog.survey(template({ ask_variables_on_launch: true }), undefined);
    expect(prompting).toEqual({
      value: new Map(questions.map((q) => [q.variable, q])),
      cached: false,
    });
    expect((await catalog.survey(template(), undefined))?.cached).toBe(true);
    expect(reads).toEqual([3]);
    catalog.forget(template());
    await catalog.survey(template(), undefined);
    now = 2_000;
    await catalog.survey(template(), undefined);
    expect(reads).toEqual([3, 3, 3]);
  });
});

describe('TemplateCatalog refusals', () => {
  const forbidden = (endpoint: string) =>
    new AwxApiError(endpoint, 403, 'You do not have permission to perform this action.', [], 0);

  it('names Read on the template when AWX refuses a read of its views', async () => {
    const { awx } = reader([]);
    awx.launchRequirements = async () => {
      throw forbidden('GET job_templates/3/launch/');
    };
    awx.templateCredentials = async () => {
      throw forbidden('GET job_templates/3/credentials/');
    };
    const catalog = new TemplateCatalog(awx, 0, () => 0);
    for (const read of [
      catalog.launchRequirements(template(), undefined),
      catalog.credentials(template(), undefined),
    ]) {
      const error = await read.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwxPermissionError);
      expect((error as Error).message).toContain(
        'lacks Read on job template "restart" (id 3); grant it Read (or Execute) on the template',
      );
    }
  });

  it('says a template it cannot find may be one the user may not read', async () => {
    const { awx } = reader([]);
    awx.findJobTemplate = async (name) => {
      throw new AwxLookupError('GET job_templates/', 'job template', name, []);
    };
    const error = await new TemplateCatalog(awx, 0, () => 0)
      .template('restart', undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message:
          'no AWX job template named "restart" is visible to the AWX user: fix the name, or ' +
          'grant the user Read (or Execute) on the template; AWX lists only what a user may read',
      },
    ]);
  });
});
