import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwxTransport } from './awx-transport.js';
import { WorkflowJobsApi } from './workflow-jobs-api.js';

const base = 'https://awx.test';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('WorkflowJobsApi', () => {
  it('classifies a cancel by status code', async () => {
    nock(base)
      .post('/api/v2/workflow_jobs/1/cancel/')
      .reply(202)
      .post('/api/v2/workflow_jobs/2/cancel/')
      .reply(405, { detail: 'Method "POST" not allowed.' })
      .post('/api/v2/workflow_jobs/3/cancel/')
      .reply(404, { detail: 'Not found.' });
    const awx = new WorkflowJobsApi(new AwxTransport({ baseUrl: base, token: 'tok', retries: 0 }));
    expect(await awx.cancelWorkflowJob(1)).toBe('requested');
    expect(await awx.cancelWorkflowJob(2)).toBe('finished');
    expect(await awx.cancelWorkflowJob(3)).toBe('absent');
  });
});
