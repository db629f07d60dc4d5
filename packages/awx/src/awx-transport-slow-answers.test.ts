/**
 * An AWX (or a proxy) that answers each request slowly, from a real server: the answer's
 * headers never come, or its body comes a byte at a time without end. Each request is bounded
 * by the client's timeout, the body's reading included, and each repeat by it again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AwxTimeoutError } from './awx-errors.js';
import { AwxTransport } from './awx-transport.js';
import { JobsApi } from './jobs-api.js';
import { CredentialSchema, JobSchema } from './schemas.js';

let server: Server | undefined;
const drips: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const drip of drips.splice(0)) clearInterval(drip);
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

type Answer = 'silent' | 'dripping';

/** A server answering every request as `answer` says; `requests` counts what reached it. */
async function serve(answer: Answer, contentType = 'application/json') {
  const requests: string[] = [];
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (answer === 'silent') return;
    response.writeHead(200, { 'content-type': contentType });
    response.write(contentType === 'application/json' ? '{"id": 5, "pad": "' : 'PLAY [all]\n');
    drips.push(setInterval(() => response.write('x'), 20));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const transport = new AwxTransport({
    baseUrl: `http://127.0.0.1:${port}`,
    token: 'tok',
    retries: 1,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
    timeoutMs: 300,
  });
  return { transport, requests };
}

describe('an AWX that answers slowly', () => {
  it('whose answer never starts times each request out, the repeat too', async () => {
    const { transport, requests } = await serve('silent');
    const error = await transport
      .json(transport.get('jobs/5/', {}, {}), JobSchema)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxTimeoutError);
    expect((error as Error).message).toBe('AWX GET jobs/5/ did not answer within 300 ms');
    expect(requests).toHaveLength(2);
    await transport.close();
  });

  it('whose body drips without end times out a read, and a list', async () => {
    const { transport, requests } = await serve('dripping');
    const read = await transport
      .json(transport.get('jobs/5/', {}, {}), JobSchema)
      .catch((e: unknown) => e);
    expect(read).toBeInstanceOf(AwxTimeoutError);
    const list = await transport
      .list('credentials/', {}, CredentialSchema, {})
      .catch((e: unknown) => e);
    expect(list).toBeInstanceOf(AwxTimeoutError);
    expect(requests).toHaveLength(4);
    await transport.close();
  });

  it("whose job output drips without end times out the output's read", async () => {
    const { transport, requests } = await serve('dripping', 'text/plain');
    const error = await new JobsApi(transport)
      .jobStdoutLines(5, { skip: 0, maxBytes: 1 << 20, maxLineBytes: 1 << 20 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxTimeoutError);
    expect(requests).toHaveLength(2);
    await transport.close();
  });
});
