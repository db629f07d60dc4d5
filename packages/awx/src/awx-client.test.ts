import { ConfigurationError } from '@roundhouse/core';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { awxBase, page, useNock } from './awx-nock.test-support.js';

useNock();

describe('AwxClient', () => {
  it('checks its options when it is built', () => {
    expect(() => new AwxClient({ baseUrl: 'ftp://awx', token: 'tok' })).toThrow(ConfigurationError);
  });

  it('sends every endpoint through one transport under the API prefix', async () => {
    const scope = nock(awxBase)
      .get('/api/controller/v2/me/')
      .reply(200, page([{ id: 1, username: 'admin' }]))
      .get('/api/controller/v2/organizations/')
      .query({ name: 'Ops Team', page_size: '200' })
      .reply(200, page([{ id: 4, name: 'Ops Team', description: '' }]))
      .get('/api/controller/v2/jobs/5/')
      .reply(404, { detail: 'Not found.' });
    const awx = new AwxClient({ baseUrl: awxBase, token: 'tok', apiPrefix: '/api/controller/v2/' });
    expect(awx.apiUrl).toBe(`${awxBase}/api/controller/v2/`);
    expect(await awx.me()).toEqual({ id: 1, username: 'admin' });
    expect(await awx.findOrganization('Ops Team')).toEqual({ id: 4, name: 'Ops Team' });
    expect(await awx.getJob(5)).toBeNull();
    expect(scope.isDone()).toBe(true);
    await awx.close();
  });

  it("reads a template's survey questions, and their variables", async () => {
    const spec = {
      name: 'Remediate',
      description: '',
      spec: [
        { variable: 'PORT', type: 'integer', question_name: 'Port', required: true, max: 65535 },
      ],
    };
    nock(awxBase).get('/api/v2/job_templates/3/survey_spec/').times(2).reply(200, spec);
    const awx = new AwxClient({ baseUrl: awxBase, token: 'tok' });
    expect(await awx.surveyQuestions(3)).toEqual([
      { variable: 'PORT', type: 'integer', max: 65535 },
    ]);
    expect(await awx.surveyVariables(3)).toEqual(['PORT']);
    await awx.close();
  });

  it('reports an organization name nobody has as a lookup error', async () => {
    nock(awxBase).get('/api/v2/organizations/').query(true).reply(200, page([]));
    await expect(
      new AwxClient({ baseUrl: awxBase, token: 'tok' }).findOrganization('Nobody'),
    ).rejects.toMatchObject({
      reason: 'AWXObjectNotFound',
      message: 'no AWX organization is named "Nobody"',
    });
  });
});
