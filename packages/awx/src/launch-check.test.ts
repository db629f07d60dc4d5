import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { AwxApiError } from './awx-errors.js';
import type { JobTemplateReader } from './awx-roles.js';
import { jobTemplateNamePath } from './engine-config.js';
import type { LaunchVariables } from './extra-vars-plan.js';
import { restartTemplate } from './fakes.test-support.js';
import { checkLaunch } from './launch-check.js';
import type { JobTemplate, SurveyQuestion } from './schemas.js';
import { TemplateCatalog } from './template-catalog.js';

const base: JobTemplate = { ...restartTemplate, survey_enabled: true };

const variables: LaunchVariables = new Map([
  ['REPLICAS', { source: 'parameter', value: '3' }],
  ['PORT', { source: 'parameter', value: '8080' }],
  ['ROUNDHOUSE_EXECUTION_ID', { source: 'marker', value: 'team-a/restart-api/u-1' }],
]);

/** A template and its survey AWX answers with, changed by the test; every read counted. */
function fake(template: JobTemplate, survey: SurveyQuestion[]) {
  const state = {
    template,
    survey,
    passwords: [] as string[],
    variables: [] as string[],
    inventoryNeeded: false,
    templateReads: 0,
    surveyReads: 0,
  };
  /** AWX answers every view of a template that is gone 404. */
  const exists = (id: number, view: string) => {
    if (id === state.template.id) return;
    throw new AwxApiError(`GET job_templates/${id}/${view}`, 404, 'Not found.', [], undefined);
  };
  const awx: JobTemplateReader = {
    findJobTemplate: async () => {
      state.templateReads += 1;
      return state.template;
    },
    templateCredentials: async () => [],
    launchRequirements: async (id) => {
      exists(id, 'launch/');
      return {
        passwords_needed_to_start: state.passwords,
        variables_needed_to_start: state.variables,
        inventory_needed_to_start: state.inventoryNeeded,
      };
    },
    surveyQuestions: async (id) => {
      exists(id, 'survey_spec/');
      state.surveyReads += 1;
      return state.survey;
    },
  };
  const catalog = new TemplateCatalog(awx, 60_000, () => 0);
  return { state, catalog };
}

async function issuesOf(check: Promise<unknown>) {
  const error = await check.catch((e: unknown) => e);
  if (error instanceof ConfigurationError) return error.issues;
  throw new Error(`expected a ConfigurationError, got ${String(error)}`);
}

describe('checkLaunch', () => {
  it('types the variables for the survey, whatever the template prompts for, and reads nothing twice', async () => {
    const { state, catalog } = fake(base, [
      { variable: 'REPLICAS', type: 'integer' },
      { variable: 'PORT', type: 'text' },
    ]);
    const checked = await checkLaunch(
      catalog,
      await catalog.template('restart', undefined),
      variables,
      true,
      undefined,
    );
    expect(checked.extraVars).toEqual({
      REPLICAS: 3,
      PORT: '8080',
      ROUNDHOUSE_EXECUTION_ID: 'team-a/restart-api/u-1',
    });
    expect(checked.template).toEqual({ value: base, cached: false });
    expect(state).toMatchObject({ templateReads: 1, surveyReads: 1 });

    // The survey from the cache makes the template count as cached: AWX's refusal is retried.
    const again = await checkLaunch(
      catalog,
      { value: base, cached: false },
      variables,
      true,
      undefined,
    );
    expect(again.template.cached).toBe(true);
    expect(state).toMatchObject({ templateReads: 1, surveyReads: 1 });
  });

  it('refuses a template whose credentials ask for passwords at launch, naming them and the fix', async () => {
    const { state, catalog } = fake({ ...base, survey_enabled: false }, []);
    state.passwords = ['ssh_password', 'vault_password.prod'];
    const template = await catalog.template('restart', undefined);
    expect(await issuesOf(checkLaunch(catalog, template, variables, true, undefined))).toEqual([
      {
        path: jobTemplateNamePath,
        message: expect.stringMatching(
          /^AWX job template "restart" \(id 3\) has credentials that ask for passwords at launch \(ssh_password, vault_password\.prod\), which an execution cannot give: save the passwords in those credentials/,
        ),
      },
    ]);
  });

  it('refuses a template without an inventory, which AWX refuses every launch of', async () => {
    const { state, catalog } = fake({ ...base, survey_enabled: false }, []);
    state.inventoryNeeded = true;
    const template = await catalog.template('restart', undefined);
    expect(await issuesOf(checkLaunch(catalog, template, variables, true, undefined))).toEqual([
      {
        path: jobTemplateNamePath,
        message:
          'AWX job template "restart" (id 3) has no inventory, which AWX refuses a launch ' +
          'without and an execution does not give: set an inventory on the template',
      },
    ]);
  });

  it('refuses a template whose project was deleted, which AWX refuses every launch of (JobTemplate.resources_needed_to_start, awx/main/models/jobs.py:322)', async () => {
    const { catalog } = fake({ ...base, survey_enabled: false, project: null }, []);
    const template = await catalog.template('restart', undefined);
    expect(await issuesOf(checkLaunch(catalog, template, variables, true, undefined))).toEqual([
      {
        path: jobTemplateNamePath,
        message:
          'AWX job template "restart" (id 3) has no project, which AWX refuses a launch ' +
          'without (its project was deleted): set a project on the template',
      },
    ]);
  });

  it('refuses a template AWX says the token may not start (user_capabilities.start), before anything is sent (JobTemplateAccess.can_start behind both, awx/main/access.py:428; JobTemplateSerializer.show_capabilities, awx/api/serializers.py:3320)', async () => {
    const refused = {
      ...base,
      survey_enabled: false,
      summary_fields: { user_capabilities: { start: false } },
    };
    const { catalog } = fake(refused, []);
    const template = await catalog.template('restart', undefined);
    expect(await issuesOf(checkLaunch(catalog, template, variables, true, undefined))).toEqual([
      {
        path: 'awx.token',
        message:
          'the AWX user of awx.token may not launch job template "restart" (id 3): AWX says so ' +
          '(summary_fields.user_capabilities.start is false) and refuses the launch (403): grant ' +
          'it Execute on the template, or use the token of a user who has it; or, if the token ' +
          'has Read scope, which AWX refuses every change to whoever its user is, use a token of ' +
          'Write scope',
      },
    ]);
  });

  it('names only the missing project of a template AWX will not start for it (JobTemplate.validation_errors, awx/main/models/jobs.py:306)', async () => {
    const { catalog } = fake(
      {
        ...base,
        survey_enabled: false,
        project: null,
        summary_fields: { user_capabilities: { start: false } },
      },
      [],
    );
    const template = await catalog.template('restart', undefined);
    const issues = await issuesOf(checkLaunch(catalog, template, variables, true, undefined));
    expect(issues.map((i) => i.path)).toEqual([jobTemplateNamePath]);
    expect(issues[0]?.message).toContain('has no project');
  });

  it('launches a template AWX has let the token start since the cached read said no', async () => {
    const refused = {
      ...base,
      survey_enabled: false,
      summary_fields: { user_capabilities: { start: false } },
    };
    const { state, catalog } = fake(refused, []);
    const cached = await catalog.template('restart', undefined);
    state.template = { ...refused, summary_fields: { user_capabilities: { start: true } } };
    const checked = await checkLaunch(
      catalog,
      { value: cached.value, cached: true },
      variables,
      true,
      undefined,
    );
    expect(checked.template.value.summary_fields?.user_capabilities?.start).toBe(true);
  });

  it('refuses a launch lacking a variable the survey requires, naming each and the parameter that gives it', async () => {
    const { state, catalog } = fake(base, [
      { variable: 'REPLICAS', type: 'integer' },
      { variable: 'REGION', type: 'text' },
      { variable: 'ZONE', type: 'text' },
    ]);
    state.variables = ['REPLICAS', 'REGION', 'ZONE'];
    const template = await catalog.template('restart', undefined);
    const issues = await issuesOf(checkLaunch(catalog, template, variables, true, undefined));
    expect(issues).toEqual(
      ['REGION', 'ZONE'].map((name) => ({
        path: `spec.parameters.${name}`,
        message:
          `AWX job template "restart" (id 3) has a required survey question for ${name}, which ` +
          'AWX refuses a launch without even when the question has a default: set parameter ' +
          `${name} on the WorkflowExecution, or make the question optional in the template's survey`,
      })),
    );
  });

  it('launches once a survey made optional since it was cached no longer requires the variable', async () => {
    const { state, catalog } = fake(base, [{ variable: 'REGION', type: 'text' }]);
    state.variables = ['REGION'];
    await catalog.launchRequirements(base, undefined);
    state.variables = [];
    const cached = await catalog.template('restart', undefined);
    const checked = await checkLaunch(catalog, cached, variables, true, undefined);
    expect(checked.template.cached).toBe(false);
    expect(checked.extraVars).not.toHaveProperty('REGION');
  });

  it('reads nothing of a template whose survey is off, and coerces as kubernaut does', async () => {
    const { state, catalog } = fake({ ...base, survey_enabled: false }, []);
    const template = await catalog.template('restart', undefined);
    const checked = await checkLaunch(catalog, template, variables, true, undefined);
    expect(checked.extraVars).toMatchObject({ REPLICAS: 3, PORT: 8080 });
    expect(state.surveyReads).toBe(0);
  });

  it('checks a refusal that rests on the cache once more against what AWX has now', async () => {
    const { state, catalog } = fake(base, [{ variable: 'PORT', type: 'integer', max: 1024 }]);
    await catalog.template('restart', undefined);
    await catalog.survey(base, undefined);
    // Fixed in AWX since it was read: the question takes 8080 now.
    state.survey = [{ variable: 'PORT', type: 'integer', max: 65535 }];
    const cached = await catalog.template('restart', undefined);
    const checked = await checkLaunch(catalog, cached, variables, true, undefined);
    expect(checked.extraVars).toMatchObject({ PORT: 8080 });
    expect(checked.template.cached).toBe(false);
    expect(state).toMatchObject({ templateReads: 2, surveyReads: 2 });

    // Still wrong in AWX: refused after the one fresh read, naming the parameter.
    state.survey = [{ variable: 'PORT', type: 'integer', max: 80 }];
    catalog.forget(base);
    await catalog.survey(base, undefined);
    state.survey = [{ variable: 'PORT', type: 'integer', max: 81 }];
    const issues = await issuesOf(
      checkLaunch(catalog, { value: base, cached: true }, variables, true, undefined),
    );
    expect(issues).toEqual([
      {
        path: 'spec.parameters.PORT',
        message: expect.stringMatching(/^must be at most 81 for the integer survey question/),
      },
    ]);
    expect(state).toMatchObject({ templateReads: 3, surveyReads: 4 });
  });

  it('checks against the template of that name AWX has now when the one read was deleted', async () => {
    const { state, catalog } = fake(base, [{ variable: 'PORT', type: 'integer' }]);
    // Read (by a status, say), then replaced under its name: AWX answers the old id 404.
    const read = await catalog.template('restart', undefined);
    state.template = { ...base, id: 4 };
    const checked = await checkLaunch(catalog, read, variables, true, undefined);
    expect(checked.template).toEqual({ value: state.template, cached: false });
    expect(checked.extraVars).toMatchObject({ PORT: 8080 });
    expect(state).toMatchObject({ templateReads: 2, surveyReads: 1 });
  });

  it('refuses at once what AWX has now would refuse, with every issue: answers, prompts, slicing', async () => {
    const template = {
      ...base,
      ask_variables_on_launch: false,
      ask_credential_on_launch: false,
      job_slice_count: 2,
    };
    const { state, catalog } = fake(template, [
      { variable: 'REPLICAS', type: 'multiplechoice', choices: '1\n2' },
      { variable: 'ROUNDHOUSE_EXECUTION_ID', type: 'password' },
    ]);
    const fresh = await catalog.template('restart', undefined);
    const issues = await issuesOf(checkLaunch(catalog, fresh, variables, true, undefined));
    const template3 = 'AWX job template "restart" \\(id 3\\)';
    const onTemplate = (pattern: string) => ({
      path: 'spec.workflowRef.engineConfig.jobTemplateName',
      message: expect.stringMatching(new RegExp(`^${template3} ${pattern}`)),
    });
    expect(issues).toEqual([
      {
        path: 'spec.parameters.REPLICAS',
        message: expect.stringMatching(/^must be one of "1", "2" for the multiplechoice survey/),
      },
      onTemplate('asks for ROUNDHOUSE_EXECUTION_ID with a password survey question'),
      onTemplate('does not prompt on launch for Variables and its survey does not ask for PORT,'),
      onTemplate("does not prompt on launch, so AWX would ignore the execution's credentials"),
      onTemplate('slices its jobs'),
    ]);
    expect(state).toMatchObject({ templateReads: 1, surveyReads: 1 });
  });
});
