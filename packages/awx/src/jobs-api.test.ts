import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { awxBase, awxJob, onceTransport, page, useNock } from './awx-nock.test-support.js';
import { JobsApi } from './jobs-api.js';

function jobs() {
  return new JobsApi(onceTransport());
}

useNock();

describe('JobsApi', () => {
  it('reads a job whose status it does not know, and its credentials and timeout', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/9/')
      .reply(
        200,
        awxJob(9, {
          status: 'suspended',
          timeout: 300,
          elapsed: 12.5,
          summary_fields: {
            credentials: [{ id: 4, name: 'c', description: '', kind: null, cloud: true }],
          },
        }),
      );
    expect(await jobs().getJob(9)).toMatchObject({
      status: 'suspended',
      timeout: 300,
      elapsed: 12.5,
      summary_fields: { credentials: [{ id: 4, name: 'c' }] },
    });
  });

  it('answers null for a job that is gone', async () => {
    nock(awxBase).get('/api/v2/jobs/9/').reply(404, { detail: 'Not found.' });
    expect(await jobs().getJob(9)).toBeNull();
  });

  it('finds the newest matching job, reading details for rows without extra_vars', async () => {
    const createdAfter = new Date('2026-01-01T00:00:00.000Z');
    const { extra_vars: _, ...bare } = awxJob(12);
    nock(awxBase)
      .get('/api/v2/jobs/')
      .query({
        job_template: '3',
        created__gt: '2026-01-01T00:00:00.000Z',
        order_by: '-created',
        page_size: '200',
      })
      .reply(200, page([awxJob(14, { extra_vars: '{"M":"other"}' }), bare], '/api/v2/jobs/?page=2'))
      .get('/api/v2/jobs/12/')
      .reply(200, awxJob(12, { extra_vars: '{"M":"mine"}' }));
    const found = await jobs().findJob({ jobTemplate: 3, createdAfter }, (j) =>
      j.extra_vars.includes('mine'),
    );
    // The match is on the first page, so the second is never read.
    expect(found?.id).toBe(12);
  });

  it('reads which workflow job spawned a job, as AWX lists a sliced job', async () => {
    const createdAfter = new Date('2026-01-01T00:00:00.000Z');
    const slice = awxJob(15, {
      extra_vars: '{"M":"mine"}',
      launch_type: 'workflow',
      job_slice_number: 1,
      job_slice_count: 2,
      related: { source_workflow_job: '/api/v2/workflow_jobs/61/' },
      summary_fields: {
        credentials: [],
        source_workflow_job: { id: 61, name: 'restart', status: 'running', failed: false },
      },
    });
    nock(awxBase)
      .get('/api/v2/jobs/')
      .query(true)
      .reply(200, page([slice]));
    const found = await jobs().findJob({ jobTemplate: 3, createdAfter }, () => true);
    expect(found).toMatchObject({
      launch_type: 'workflow',
      summary_fields: { source_workflow_job: { id: 61 } },
    });
  });

  it("reads the tail of an output through AWX's download, which has no size limit", async () => {
    const text = `${'x'.repeat(2_000_000)}ééé end\n`;
    nock(awxBase)
      .get('/api/v2/jobs/7/stdout/')
      .query({ format: 'txt_download' })
      .matchHeader('accept', 'text/plain')
      .reply(200, text, {
        'Content-Type': 'text/plain',
        'Content-Disposition': 'attachment; filename="job_7.txt"',
      });
    const tail = await jobs().jobStdoutTail(7, 9);
    expect(tail).toBe('éé end\n');
  });

  it('reads the events after a counter, in counter order, with their whole stdout', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/7/job_events/')
      .query({ order_by: 'counter', counter__gt: '41', page_size: '200', no_truncate: '1' })
      .reply(
        200,
        page([
          {
            id: 900,
            counter: 42,
            event: 'verbose',
            stdout: 'ok: [web-1]',
            start_line: 50,
            end_line: 51,
          },
        ]),
      );
    expect(await jobs().jobEvents(7, { after: 41 })).toEqual({
      events: [{ counter: 42, stdout: 'ok: [web-1]', start_line: 50, end_line: 51 }],
      more: false,
      pageSize: 200,
    });
  });

  it('reads the newest events first for a tail, and none for a job that is gone', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/7/job_events/')
      .query({ order_by: '-counter', page_size: '200', no_truncate: '1' })
      .reply(
        200,
        page(
          [{ counter: 3, stdout: 'c', start_line: 2, end_line: 3 }],
          '/api/v2/jobs/7/job_events/?page=2',
        ),
      )
      .get('/api/v2/jobs/8/job_events/')
      .query({ order_by: '-counter', counter__lt: '3', page_size: '200', no_truncate: '1' })
      .reply(404, { detail: 'Not found.' });
    // A short page with `next` is not the last: AWX's MAX_PAGE_SIZE may be below 200.
    expect(await jobs().jobEvents(7, { newestBefore: undefined })).toEqual({
      events: [{ counter: 3, stdout: 'c', start_line: 2, end_line: 3 }],
      more: true,
      pageSize: 200,
    });
    expect(await jobs().jobEvents(8, { newestBefore: 3 })).toEqual({
      events: [],
      more: false,
      pageSize: 200,
    });
  });

  it('counts the lines of bare newlines through a counter, a page after the last counter read', async () => {
    const filter = { stdout: '', counter__lte: '90', page_size: '200', no_truncate: '1' };
    const blank = (counter: number, lines: number) => ({
      counter,
      stdout: '',
      start_line: counter,
      end_line: counter + lines,
    });
    nock(awxBase)
      .get('/api/v2/jobs/7/job_events/')
      .query({ order_by: 'counter', counter__gt: '0', ...filter })
      .reply(200, page([blank(2, 1), blank(5, 0)], '/api/v2/jobs/7/job_events/?page=2', 3))
      .get('/api/v2/jobs/7/job_events/')
      .query({ order_by: 'counter', counter__gt: '5', ...filter })
      .reply(200, page([blank(88, 1)]))
      .get('/api/v2/jobs/8/job_events/')
      .query({ order_by: 'counter', counter__gt: '0', ...filter })
      .reply(404, { detail: 'Not found.' });
    expect(await jobs().unshownLines(7, 90)).toBe(2);
    expect(await jobs().unshownLines(8, 90)).toBe(0);
  });

  it('refuses a page of bare newlines that holds an event the filter leaves out', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/7/job_events/')
      .query(true)
      .reply(200, page([{ counter: 3, stdout: 'ok', start_line: 2, end_line: 3 }]));
    await expect(jobs().unshownLines(7, 90)).rejects.toThrow(/results\.0/);
  });

  it('reads the lines of an output through the download, counting the skipped ones', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/7/stdout/')
      .query({ format: 'txt_download' })
      .reply(200, 'one\ntwo\nthree\n', { 'Content-Type': 'text/plain' });
    expect(await jobs().jobStdoutLines(7, { skip: 1 })).toEqual({
      lines: ['two', 'three'],
      total: 3,
    });
  });

  it('reads no output of a job that is gone', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/7/stdout/')
      .query(true)
      .twice()
      .reply(404, { detail: 'Not found.' });
    expect(await jobs().jobStdoutTail(7, 9)).toBe('');
    expect(await jobs().jobStdoutLines(7, { skip: 0 })).toEqual({ lines: [], total: 0 });
  });

  it("never shows a text error of the output download, which may quote the job's output", async () => {
    const text = "{'detail': ErrorDetail(string='password: hunter2', code='permission_denied')}";
    nock(awxBase)
      .get('/api/v2/jobs/7/stdout/')
      .query(true)
      .reply(403, text, { 'Content-Type': 'text/plain' });
    const error = await jobs()
      .jobStdoutTail(7, 9)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 403, reason: 'AWXForbidden', detail: undefined });
    expect((error as Error).message).toBe(
      "AWX GET jobs/7/stdout/?format=txt_download answered 403: a body that is not a JSON object, not shown: this endpoint's bodies may quote job output",
    );
  });

  it("never shows an error body of the output download that is a JSON string or list, which may quote the job's output", async () => {
    nock(awxBase)
      .get('/api/v2/jobs/7/stdout/')
      .query(true)
      .reply(400, JSON.stringify('stdout: password hunter2'), {
        'Content-Type': 'application/json',
      })
      .get('/api/v2/jobs/7/stdout/')
      .query(true)
      .reply(400, ['stdout: password hunter2'], { 'Content-Type': 'application/json' });
    for (let i = 0; i < 2; i++) {
      const error = await jobs()
        .jobStdoutTail(7, 9)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ statusCode: 400, detail: undefined, fields: [] });
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('classifies a cancel by status code', async () => {
    nock(awxBase)
      .post('/api/v2/jobs/1/cancel/')
      .reply(202)
      .post('/api/v2/jobs/2/cancel/')
      .reply(405, { detail: 'Method "POST" not allowed.' })
      .post('/api/v2/jobs/3/cancel/')
      .reply(404, { detail: 'Not found.' });
    const awx = jobs();
    expect(await awx.cancelJob(1)).toBe('requested');
    expect(await awx.cancelJob(2)).toBe('finished');
    expect(await awx.cancelJob(3)).toBe('absent');
  });

  it('reads a 403 to a cancel by the job: finished for a user who is not an administrator, else the refusal', async () => {
    const denied = { detail: 'You do not have permission to perform this action.' };
    nock(awxBase)
      .post('/api/v2/jobs/4/cancel/')
      .reply(403, denied)
      .get('/api/v2/jobs/4/')
      .reply(200, awxJob(4, { status: 'successful' }))
      .post('/api/v2/jobs/5/cancel/')
      .reply(403, denied)
      .get('/api/v2/jobs/5/')
      .reply(200, awxJob(5, { status: 'running' }));
    const awx = jobs();
    expect(await awx.cancelJob(4)).toBe('finished');
    await expect(awx.cancelJob(5)).rejects.toMatchObject({
      reason: 'AWXForbidden',
      statusCode: 403,
      message: expect.stringContaining('lacks Admin on job template 3, to cancel job 5'),
    });
  });
});
