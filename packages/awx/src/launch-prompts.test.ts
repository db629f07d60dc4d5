import { describe, expect, it } from 'vitest';
import { restartTemplate } from './fakes.test-support.js';
import { ignoredFieldIssues, promptIssues } from './launch-prompts.js';

const template = (variables: boolean, credentials: boolean, survey = false) => ({
  ...restartTemplate,
  name: 'remediate',
  ask_variables_on_launch: variables,
  ask_credential_on_launch: credentials,
  survey_enabled: survey,
});

const launch = { variables: ['WFE_NAME', 'WFE_NAMESPACE', 'REPLICAS'], credentials: true };

describe('promptIssues', () => {
  it('asks for the prompts the launch needs, naming the setting', () => {
    expect(promptIssues(template(true, true), launch)).toEqual([]);
    expect(promptIssues(template(true, false), { ...launch, credentials: false })).toEqual([]);
    expect(promptIssues(template(false, false), launch)).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message:
          'AWX job template "remediate" (id 3) does not prompt on launch, so AWX would ignore ' +
          `the execution's extra_vars: enable "Prompt on launch" for Variables (ask_variables_on_launch) on the template`,
      },
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message: expect.stringMatching(/Credentials \(ask_credential_on_launch\)/),
      },
    ]);
  });

  it('lets a survey stand in for the Variables prompt, naming the variables it does not ask for', () => {
    const surveyed = template(false, true, true);
    const all = new Set(['WFE_NAME', 'WFE_NAMESPACE', 'REPLICAS', 'OTHER']);
    expect(promptIssues(surveyed, launch, all)).toEqual([]);
    expect(promptIssues(surveyed, launch, new Set(['WFE_NAME']))).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message:
          'AWX job template "remediate" (id 3) does not prompt on launch for Variables and its ' +
          'survey does not ask for WFE_NAMESPACE, REPLICAS, so AWX would ignore them: add them ' +
          'to the survey, or enable "Prompt on launch" for Variables (ask_variables_on_launch) on the template',
      },
    ]);
  });

  it('names at most ten variables and counts the rest', () => {
    const variables = Array.from({ length: 13 }, (_, i) => `V${i}`);
    const [issue] = promptIssues(
      template(false, true, true),
      { variables, credentials: false },
      new Set(),
    );
    expect(issue?.message).toContain('V0, V1, V2, V3, V4, V5, V6, V7, V8, V9 and 3 more,');
  });
});

describe('ignoredFieldIssues', () => {
  it('reports ignored extra_vars and credentials, and nothing else', () => {
    expect(ignoredFieldIssues(template(true, true), {})).toEqual([]);
    expect(ignoredFieldIssues(template(true, true), { limit: 'x' })).toEqual([]);
    expect(
      ignoredFieldIssues(template(true, true), { credentials: [5], extra_vars: { A: 1 } }).map(
        (i) => i.message,
      ),
    ).toEqual([
      expect.stringMatching(/ignored the launch's extra_vars A: enable .*ask_variables_on_launch/),
      expect.stringMatching(/ignored the launch's credentials: enable .*ask_credential_on_launch/),
    ]);
  });

  it('names the ignored variables, never their values', () => {
    const [issue] = ignoredFieldIssues(template(false, true), {
      extra_vars: { TOKEN_HINT: 'value-that-must-not-show', REPLICAS: 3 },
    });
    expect(issue?.message).toContain("ignored the launch's extra_vars TOKEN_HINT, REPLICAS:");
    expect(issue?.message).not.toContain('value-that-must-not-show');
  });
});
