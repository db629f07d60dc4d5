/**
 * AWX's REST API as the unit tests fake it with nock: where it is, what its lists and jobs look
 * like on the wire. Not shipped: the build leaves out `*.test-support.ts`.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { AwxTransport } from './awx-transport.js';

/** The faked AWX; nothing else may be reached. */
export const awxBase = 'https://awx.test';

/** Lets the file's tests reach only what nock fakes, and drops each test's fakes after it. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());
}

/** A transport to the faked AWX that sends each request once. */
export function onceTransport(): AwxTransport {
  return new AwxTransport({ baseUrl: awxBase, token: 'tok', retries: 0 });
}

/** One page of an AWX list answer; `count` is of the whole list, as AWX says on every page. */
export function page<T>(results: T[], next: string | null = null, count = results.length) {
  return { count, next, previous: null, results };
}

/** A job of template 3 as AWX sends it, running unless `extra` says otherwise. */
export function awxJob(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    status: 'running',
    job_template: 3,
    created: '2026-01-01T00:00:00.000001Z',
    extra_vars: '{}',
    job_explanation: '',
    ...extra,
  };
}
