/**
 * An AWX (or what poses as it) from a real server: every answer takes most of the client's
 * timeout, and whatever it is, the operation goes on, page after page or retry after retry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import { AwxOperationTimeoutError, withinBound } from './operation-bound.js';

let server: Server | undefined;
let awx: AwxClient | undefined;
const answers: NodeJS.Timeout[] = [];

afterEach(async () => {
  await awx?.close();
  awx = undefined;
  for (const answer of answers.splice(0)) clearTimeout(answer);
  const closing = server;
  server = undefined;
  if (!closing) return;
  closing.closeAllConnections();
  await new Promise((resolve) => closing.close(resolve));
});

/**
 * A client of a server answering each request after `delayMs`: a 503 for `me/`, else page n of
 * a list whose count (400 rows, one a page) promises page n + 1. The client's own timeout is
 * `timeoutMs`, far above the delay where a loaded machine must not turn a page into a timeout.
 */
async function slowAwx(
  delayMs: number,
  retries: number,
  timeoutMs = 2 * delayMs,
): Promise<{ base: string }> {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://awx');
    const at = Number(url.searchParams.get('page') ?? '1');
    const row = { id: at, name: `roundhouse-ephemeral-${at}`, organization: 1, credential_type: 1 };
    const [status, body] = url.pathname.endsWith('/me/')
      ? [503, { detail: 'Service Unavailable' }]
      : [
          200,
          {
            count: 400,
            next: `${url.pathname}?page=${at + 1}&page_size=200`,
            previous: null,
            results: [row],
          },
        ];
    answers.push(
      setTimeout(() => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      }, delayMs),
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  awx = new AwxClient({
    baseUrl: base,
    token: 'tok',
    timeoutMs,
    retries,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
  });
  return { base };
}

const listing = 'listing of the execution credentials';

describe('withinBound', () => {
  it('ends a list whose every page comes within timeoutMs, naming the page it was reading', async () => {
    const { base } = await slowAwx(100, 0, 5_000);
    const client = awx as AwxClient;

    const failure = await withinBound(listing, 350, undefined, (signal) =>
      client.listCredentials({ nameStartsWith: 'roundhouse-ephemeral-' }, { signal }),
    ).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(AwxOperationTimeoutError);
    const error = failure as AwxOperationTimeoutError;
    expect(error).toMatchObject({ reason: 'AWXOperationTimeout', retryable: true });
    expect(error.endpoint).toMatch(/^GET credentials\/\?page=\d+&page_size=200$/);
    expect(error.message).toContain(`${listing} did not finish within 350 ms`);
    expect(error.message).toContain(`at ${base}/api/v2/credentials/`);
    expect(error.message).not.toContain('tok');
  });

  it('ends the retries of a request AWX keeps answering 503', async () => {
    await slowAwx(10, 100_000);
    const client = awx as AwxClient;

    await expect(
      withinBound('availability check of AWX', 200, undefined, (signal) => client.me({ signal })),
    ).rejects.toMatchObject({ reason: 'AWXOperationTimeout', endpoint: 'GET me/' });
  });

  it('turns what a step other than an AWX request failed with into the timeout once it ran out', async () => {
    const failure = await withinBound('status of an execution', 20, undefined, async (signal) => {
      // As a Kubernetes read cut short by the signal fails.
      await new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    }).catch((e: unknown) => e);

    expect(failure).toMatchObject({ reason: 'AWXOperationTimeout', endpoint: '' });
    expect((failure as Error).message).toBe(
      'status of an execution did not finish within 20 ms (operationTimeoutMs)',
    );
    expect((failure as Error).cause).toEqual(new Error('aborted'));
  });
});
