import { describe, expect, it } from 'vitest';
import type { JobTemplateReader } from './awx-roles.js';
import type { JobTemplate, SurveyQuestion } from './schemas.js';
import { TemplateCatalog } from './template-catalog.js';

const template = (overrides: Partial<JobTemplate> = {}): JobTemplate => ({
  id: 3,
  name: 'restart',
  organization: 1,
  ask_variables_on_launch: false,
  ask_credential_on_launch: true,
  ask_timeout_on_launch: false,
  job_slice_count: 1,
  ask_job_slice_count_on_launch: false,
  survey_enabled: true,
  ...overrides,
});

function reader(survey: SurveyQuestion[]) {
  const reads: number[] = [];
  const awx: JobTemplateReader = {
    findJobTemplate: async () => template(),
    templateCredentials: async () => [],
    launchRequirements: async () => ({ passwords_needed_to_start: [] }),
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
