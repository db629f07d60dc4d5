import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { awxBase, onceTransport, page, useNock } from './awx-nock.test-support.js';
import { WorkflowJobsApi } from './workflow-jobs-api.js';

useNock();

describe('WorkflowJobsApi', () => {
  it("finds the newest of a template's workflow jobs that matches, reading details for rows without extra_vars", async () => {
    const createdAfter = new Date('2026-01-01T00:00:00.000Z');
    nock(awxBase)
      .get('/api/v2/workflow_jobs/')
      .query({
        job_template: '3',
        created__gt: '2026-01-01T00:00:00.000Z',
        order_by: '-created',
        page_size: '200',
      })
      .reply(
        200,
        page([
          { id: 64, status: 'pending', is_sliced_job: true, extra_vars: '{"M":"other"}' },
          { id: 61, status: 'running', is_sliced_job: true },
        ]),
      )
      .get('/api/v2/workflow_jobs/61/')
      .reply(200, { id: 61, status: 'running', extra_vars: '{"M":"mine"}' });
    const awx = new WorkflowJobsApi(onceTransport());
    const found = await awx.findWorkflowJob({ jobTemplate: 3, createdAfter }, (w) =>
      w.extra_vars.includes('mine'),
    );
    expect(found).toEqual({ id: 61, status: 'running', extra_vars: '{"M":"mine"}' });
  });

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

  it("lists the job of each slice from the workflow job's nodes, null before it spawned, and null for a workflow job AWX no longer has", async () => {
    nock(awxBase)
      .get('/api/v2/workflow_jobs/7/workflow_nodes/')
      .query({ page_size: '200' })
      .reply(
        200,
        page([
          { id: 21, job: 40 },
          { id: 22, job: null },
        ]),
      )
      .get('/api/v2/workflow_jobs/8/workflow_nodes/')
      .query({ page_size: '200' })
      .reply(404, { detail: 'Not found.' });
    const awx = new WorkflowJobsApi(onceTransport());
    expect(await awx.workflowJobSlices(7)).toEqual([40, null]);
    expect(await awx.workflowJobSlices(8)).toBeNull();
  });
});
