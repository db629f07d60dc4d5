import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { awxBase, onceTransport, useNock } from './awx-nock.test-support.js';
import { WorkflowJobsApi } from './workflow-jobs-api.js';

useNock();

describe('WorkflowJobsApi', () => {
  it('classifies a cancel by status code', async () => {
    nock(awxBase)
      .post('/api/v2/workflow_jobs/1/cancel/')
      .reply(202)
      .post('/api/v2/workflow_jobs/2/cancel/')
      .reply(405, { detail: 'Method "POST" not allowed.' })
      .post('/api/v2/workflow_jobs/3/cancel/')
      .reply(404, { detail: 'Not found.' });
    const awx = new WorkflowJobsApi(onceTransport());
    expect(await awx.cancelWorkflowJob(1)).toBe('requested');
    expect(await awx.cancelWorkflowJob(2)).toBe('finished');
    expect(await awx.cancelWorkflowJob(3)).toBe('absent');
  });

  it('reads a 403 to a cancel by the workflow job: finished for a user who is not an administrator, else the refusal', async () => {
    const denied = { detail: 'You do not have permission to perform this action.' };
    nock(awxBase)
      .post('/api/v2/workflow_jobs/4/cancel/')
      .reply(403, denied)
      .get('/api/v2/workflow_jobs/4/')
      .reply(200, { id: 4, status: 'failed' })
      .post('/api/v2/workflow_jobs/5/cancel/')
      .reply(403, denied)
      .get('/api/v2/workflow_jobs/5/')
      .reply(200, { id: 5, status: 'running' })
      .post('/api/v2/workflow_jobs/6/cancel/')
      .reply(403, denied)
      .get('/api/v2/workflow_jobs/6/')
      .reply(404, { detail: 'Not found.' });
    const awx = new WorkflowJobsApi(onceTransport());
    expect(await awx.cancelWorkflowJob(4)).toBe('finished');
    await expect(awx.cancelWorkflowJob(5)).rejects.toMatchObject({ reason: 'AWXForbidden' });
    expect(await awx.cancelWorkflowJob(6)).toBe('absent');
  });
});
