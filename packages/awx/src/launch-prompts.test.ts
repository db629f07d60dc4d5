import { describe, expect, it } from 'vitest';
import { ignoredFieldIssues, promptIssues } from './launch-prompts.js';

const template = (variables: boolean, credentials: boolean) => ({
  id: 3,
  name: 'remediate',
  organization: 1,
  ask_variables_on_launch: variables,
  ask_credential_on_launch: credentials,
  ask_timeout_on_launch: false,
  job_slice_count: 1,
  ask_job_slice_count_on_launch: false,
});

describe('promptIssues', () => {
  it('asks for the prompts the launch needs, naming the setting', () => {
    expect(promptIssues(template(true, true), true)).toEqual([]);
    expect(promptIssues(template(true, false), false)).toEqual([]);
    expect(promptIssues(template(false, false), true)).toEqual([
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
      expect.stringMatching(/ignored the launch's extra_vars: enable .*ask_variables_on_launch/),
      expect.stringMatching(/ignored the launch's credentials: enable .*ask_credential_on_launch/),
    ]);
  });
});
