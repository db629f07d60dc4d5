import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AwxResponseError } from './awx-errors.js';
import { awxBase, awxJob, onceTransport, page, useNock } from './awx-nock.test-support.js';
import type { JobEventsWindow, JobReader } from './awx-roles.js';
import { jobOutput } from './job-output.js';
import { JobsApi } from './jobs-api.js';
import { outputScrub } from './output-scrub.js';
import type { Job } from './schemas.js';

const unscrubbed = outputScrub([], false);
const eventsPath = '/api/v2/jobs/7/job_events/';

/** The lines a follow gives until it ends or fails; its failure, if it failed. */
async function follow(awx: JobReader, tailLines?: number) {
  const lines: string[] = [];
  try {
    for await (const line of jobOutput(awx, 7, unscrubbed, { follow: true, tailLines })) {
      lines.push(line.text);
    }
    return { lines, error: undefined };
  } catch (error) {
    return { lines, error };
  }
}

/** A reader of a job that `status` says ended, whose events `events` makes up, page by page. */
function endedJob(
  events: (window: JobEventsWindow, read: number) => ReturnType<JobReader['jobEvents']>,
) {
  let read = 0;
  const reader: JobReader = {
    getJob: async () => ({ id: 7, status: 'successful' }) as Job,
    findJob: async () => null,
    jobStdoutTail: async () => '',
    jobStdoutLines: async () => ({ lines: [], total: 0 }),
    async jobEvents(_id, window) {
      read += 1;
      // Far past any bound: what the follow would go on reading without one.
      if (read > 5_000) throw new Error('read 5000 pages of events');
      return events(window, read);
    },
    unshownLines: async () => 0,
  };
  return reader;
}

useNock();

describe('a follow of a job whose AWX sends pages no AWX sends', () => {
  it('fails, rather than reading the same events for ever, when a page repeats what was read', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/7/')
      .times(10)
      .reply(200, awxJob(7, { status: 'successful' }))
      .get(eventsPath)
      .query(true)
      .times(10)
      .reply(
        200,
        page(
          [{ counter: 1, stdout: 'ok: [web-1]', start_line: 0, end_line: 1 }],
          `${eventsPath}?page=2`,
          2,
        ),
      );
    const { lines, error } = await follow(new JobsApi(onceTransport()), 0);
    expect(lines).toEqual([]);
    expect(error).toBeInstanceOf(AwxResponseError);
    expect((error as Error).message).toBe(
      'AWX GET jobs/7/job_events/?order_by=counter&counter__gt=1&page_size=200&no_truncate=1 ' +
        'returned an unexpected body: results.0.counter: 1 is not after 1, as the counter filter ' +
        'and order ask',
    );
  });

  it('fails a page of events that says more follow but holds none', async () => {
    nock(awxBase)
      .get(eventsPath)
      .query(true)
      .reply(200, page([], `${eventsPath}?page=2`, 0));
    const error = await new JobsApi(onceTransport())
      .jobEvents(7, { newestBefore: undefined })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'AWX GET jobs/7/job_events/?order_by=-counter&page_size=200&no_truncate=1 returned an ' +
        'unexpected body: next: names a page after an empty one',
    );
  });

  it('fails newest-first events out of their order', async () => {
    nock(awxBase)
      .get(eventsPath)
      .query(true)
      .reply(
        200,
        page(
          [
            { counter: 5, stdout: 'a', start_line: 4, end_line: 5 },
            { counter: 6, stdout: 'b', start_line: 5, end_line: 6 },
          ],
          null,
          2,
        ),
      );
    const error = await new JobsApi(onceTransport())
      .jobEvents(7, { newestBefore: 9 })
      .catch((e: unknown) => e);
    expect((error as AwxResponseError).field).toBe('results.1.counter');
  });

  it('ends its first read after a bound of pages when no event printed anything', async () => {
    // Newest first, each page one counter lower, none printing a line, more always said.
    let counter = 1_000_000_000;
    const reader = endedJob((window) => {
      if ('after' in window) return Promise.resolve({ events: [], more: false, pageSize: 200 });
      counter -= 1;
      const event = { counter, stdout: '', start_line: 0, end_line: 0 };
      return Promise.resolve({ events: [event], more: true, pageSize: 200 });
    });
    const { lines, error } = await follow(reader);
    expect(error).toBeUndefined();
    expect(lines).toEqual([]);
    expect(counter).toBe(1_000_000_000 - 500);
  });

  it('fails, after a bound, an ended job whose events never end', async () => {
    let counter = 0;
    const reader = endedJob((window) => {
      if ('newestBefore' in window)
        return Promise.resolve({ events: [], more: false, pageSize: 200 });
      counter += 1;
      const event = {
        counter,
        stdout: `line ${counter}`,
        start_line: counter - 1,
        end_line: counter,
      };
      return Promise.resolve({ events: [event], more: true, pageSize: 200 });
    });
    const { lines, error } = await follow(reader);
    expect(error).toBeInstanceOf(AwxResponseError);
    expect((error as Error).message).toBe(
      'AWX GET jobs/7/job_events/ returned an unexpected body: next: names more than 500 pages ' +
        'of events after the job ended',
    );
    expect(lines).toHaveLength(500);
  });
});
