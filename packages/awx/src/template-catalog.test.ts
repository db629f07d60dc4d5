import { describe, expect, it } from 'vitest';
import type { JobTemplateReader } from './awx-roles.js';
import type { JobTemplate } from './schemas.js';
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

function reader(survey: string[]) {
  const reads: number[] = [];
  const awx: JobTemplateReader = {
    findJobTemplate: async () => template(),
    templateCredentials: async () => [],
    surveyVariables: async (id) => {
      reads.push(id);
      return survey;
    },
  };
  return { awx, reads };
}

describe('TemplateCatalog.surveyVariables', () => {
  it("reads the survey only when it decides a launch's variables, once per TTL until forgotten", async () => {
    const { awx, reads } = reader(['WFE_NAME', 'REPLICAS']);
    let now = 0;
    const catalog = new TemplateCatalog(awx, 1_000, () => now);
    expect(await catalog.surveyVariables(template({ survey_enabled: false }), undefined)).toBe(
      undefined,
    );
    expect(
      await catalog.surveyVariables(template({ ask_variables_on_launch: true }), undefined),
    ).toBe(undefined);
    expect(reads).toEqual([]);

    expect(await catalog.surveyVariables(template(), undefined)).toEqual(
      new Set(['WFE_NAME', 'REPLICAS']),
    );
    await catalog.surveyVariables(template(), undefined);
    expect(reads).toEqual([3]);
    catalog.forget(template());
    await catalog.surveyVariables(template(), undefined);
    now = 2_000;
    await catalog.surveyVariables(template(), undefined);
    expect(reads).toEqual([3, 3, 3]);
  });
});
