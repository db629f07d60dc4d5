import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AwxLookupError, AwxWorkflowLaunchError } from './awx-errors.js';
import { awxBase, onceTransport, page, useNock } from './awx-nock.test-support.js';
import type { LaunchRequest } from './awx-roles.js';
import { JobTemplatesApi } from './job-templates-api.js';

function templates() {
  return new JobTemplatesApi(onceTransport());
}

const template = (id: number, name = 'remediate') => ({
  id,
  name,
  organization: 1,
  ask_variables_on_launch: true,
  ask_credential_on_launch: true,
});

useNock();

/** Launches template 3 with `request`, AWX answering `answer`: the body sent and the result. */
async function launchSending(request: LaunchRequest, answer: Record<string, unknown>) {
  let sent: unknown;
  nock(awxBase)
    .post('/api/v2/job_templates/3/launch/', (body) => {
      sent = body;
      return true;
    })
    .reply(201, answer);
  const result = await templates().launch(3, request);
  return { sent, result };
}

describe('JobTemplatesApi', () => {
  it('finds the one template of a name', async () => {
    nock(awxBase)
      .get('/api/v2/job_templates/')
      .query({ name: 'remediate', page_size: '200' })
      .reply(200, page([template(3)]));
    // A template from before AWX 21 has no timeout or slicing prompt: it does not prompt.
    expect(await templates().findJobTemplate('remediate')).toEqual({
      ...template(3),
      ask_timeout_on_launch: false,
      job_slice_count: 1,
      ask_job_slice_count_on_launch: false,
      survey_enabled: false,
    });
  });

  it('reads the passwords, survey variables and inventory a launch of the template needs', async () => {
    nock(awxBase)
      .get('/api/v2/job_templates/3/launch/')
      .reply(200, {
        can_start_without_user_input: false,
        passwords_needed_to_start: ['ssh_password'],
        variables_needed_to_start: ['region'],
        inventory_needed_to_start: true,
      });
    expect(await templates().launchRequirements(3)).toEqual({
      passwords_needed_to_start: ['ssh_password'],
      variables_needed_to_start: ['region'],
      inventory_needed_to_start: true,
    });
  });

  it('reports a missing and an ambiguous template name as lookup errors', async () => {
    nock(awxBase).get('/api/v2/job_templates/').query(true).reply(200, page([]));
    await expect(templates().findJobTemplate('nope')).rejects.toMatchObject({
      reason: 'AWXObjectNotFound',
      message: 'no AWX job template is named "nope"',
    });
    nock(awxBase)
      .get('/api/v2/job_templates/')
      .query(true)
      .reply(200, page([template(3), template(8)]));
    const error = await templates()
      .findJobTemplate('remediate')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxLookupError);
    expect(error).toMatchObject({ reason: 'AWXAmbiguousName', matches: [3, 8] });
  });

  it("reads the template's own credentials", async () => {
    nock(awxBase)
      .get('/api/v2/job_templates/3/credentials/')
      .query({ page_size: '200' })
      .reply(200, page([{ id: 5, name: 'machine', organization: 1, credential_type: 1 }]));
    expect((await templates().templateCredentials(3)).map((c) => c.id)).toEqual([5]);
  });

  it("reads the questions of the template's survey with what AWX checks answers by, none when it has no survey", async () => {
    nock(awxBase)
      .get('/api/v2/job_templates/3/survey_spec/')
      .reply(200, {
        name: '',
        description: '',
        spec: [
          {
            variable: 'WFE_NAME',
            type: 'text',
            question_name: 'Execution',
            required: true,
            min: 0,
            max: 1024,
            default: '',
          },
          {
            variable: 'REPLICAS',
            type: 'integer',
            question_name: 'Replicas',
            required: false,
            min: 1,
            max: null,
          },
          {
            variable: 'MODE',
            type: 'multiplechoice',
            question_name: 'Mode',
            required: true,
            choices: 'fast\nsafe',
          },
          {
            variable: 'ZONES',
            type: 'multiselect',
            question_name: 'Zones',
            required: false,
            choices: ['a', 'b'],
            min: '',
          },
        ],
      });
    expect(await templates().surveyQuestions(3)).toEqual([
      { variable: 'WFE_NAME', type: 'text', min: 0, max: 1024 },
      { variable: 'REPLICAS', type: 'integer', min: 1, max: null },
      { variable: 'MODE', type: 'multiplechoice', choices: 'fast\nsafe' },
      { variable: 'ZONES', type: 'multiselect', choices: ['a', 'b'], min: '' },
    ]);
    nock(awxBase).get('/api/v2/job_templates/4/survey_spec/').reply(200, {});
    expect(await templates().surveyQuestions(4)).toEqual([]);
  });

  it('launches with extra_vars as a JSON object and the credential list', async () => {
    const { sent, result } = await launchSending(
      {
        extraVars: { REPLICAS: 3, MODE: 'fast', FLAGS: [true, null] },
        credentials: [5, 6],
      },
      { job: 77, ignored_fields: {}, id: 77 },
    );
    expect(result).toEqual({ job: 77, ignored_fields: {} });
    expect(sent).toEqual({
      credentials: [5, 6],
      extra_vars: { FLAGS: [true, null], MODE: 'fast', REPLICAS: 3 },
    });
  });

  it("leaves the credentials out when none are given, so the template's apply", async () => {
    const { sent } = await launchSending(
      { extraVars: { MODE: 'fast' } },
      { job: 78, ignored_fields: {} },
    );
    expect(sent).toEqual({ extra_vars: { MODE: 'fast' } });
  });

  it('never sends an empty credential list, which AWX reads as dropping the template’s', async () => {
    const { sent } = await launchSending(
      { extraVars: { MODE: 'fast' }, credentials: [] },
      { job: 79, ignored_fields: {} },
    );
    expect(sent).toEqual({ extra_vars: { MODE: 'fast' } });
  });

  it('sends a timeout in seconds when one is given', async () => {
    const { sent } = await launchSending(
      { extraVars: {}, credentials: [5], timeout: 90 },
      { job: 80, ignored_fields: {} },
    );
    expect(sent).toEqual({ credentials: [5], timeout: 90, extra_vars: {} });
  });

  it('sends the slice count when one is given', async () => {
    const { sent } = await launchSending(
      { extraVars: {}, jobSliceCount: 1 },
      { job: 81, ignored_fields: {} },
    );
    expect(sent).toEqual({ job_slice_count: 1, extra_vars: {} });
  });

  it('names the workflow job of a launch AWX sliced, which has no job', async () => {
    nock(awxBase)
      .post('/api/v2/job_templates/3/launch/')
      .reply(201, { workflow_job: 90, ignored_fields: {}, id: 90, type: 'workflow_job' });
    const error = await templates()
      .launch(3, { extraVars: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxWorkflowLaunchError);
    expect(error).toMatchObject({ workflowJob: 90, ambiguous: false });
  });
});
