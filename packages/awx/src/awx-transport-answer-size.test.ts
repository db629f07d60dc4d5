/**
 * Answers far larger than any AWX sends, from a real server so that the client's reading, and
 * its stopping, reach the sender through TCP's flow control as they would from AWX or a proxy.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AwxAnswerTooLargeError, AwxApiError } from './awx-errors.js';
import { AwxTransport } from './awx-transport.js';
import { JobSchema } from './schemas.js';

const MiB = 1024 * 1024;

/** `head`, then `x` up to `totalBytes`, made as the reader takes it. */
function body(head: string, totalBytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      const chunk = sent === 0 ? head : 'x'.repeat(Math.min(64 * 1024, totalBytes - sent));
      sent += chunk.length;
      this.push(chunk === '' ? null : chunk);
    },
  });
}

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server answering every request so; `sent` says whether the whole body went out. */
async function serve(status: number, contentType: string, head: string, totalBytes: number) {
  let sent!: (whole: boolean) => void;
  const whole = new Promise<boolean>((resolve) => {
    sent = resolve;
  });
  server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.on('finish', () => sent(true));
    response.on('close', () => sent(response.writableFinished));
    body(head, totalBytes).pipe(response);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const transport = new AwxTransport({
    baseUrl: `http://127.0.0.1:${port}`,
    token: 'tok',
    retries: 0,
    timeoutMs: 120_000,
  });
  return { transport, whole };
}

describe('an answer larger than AWX sends', () => {
  it('is an error read only to its start, the rest left unread', async () => {
    const { transport, whole } = await serve(500, 'text/html', 'upstream broke: ', 96 * MiB);
    const error = await transport
      .json(transport.get('jobs/5/', {}, {}), JobSchema)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxApiError);
    expect(error).toMatchObject({ statusCode: 500, reason: 'AWXServerError' });
    expect((error as AwxApiError).detail).toMatch(/^upstream broke: x+…$/);
    expect(await whole).toBe(false);
    await transport.close();
  }, 60_000);

  it('is a success refused past 64 MiB, not held whole', async () => {
    const { transport, whole } = await serve(
      200,
      'application/json',
      '{"id": 5, "pad": "',
      96 * MiB,
    );
    const error = await transport
      .json(transport.get('jobs/5/', {}, {}), JobSchema)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxAnswerTooLargeError);
    expect(error).toMatchObject({ reason: 'AWXUnexpectedResponse', limitBytes: 64 * MiB });
    expect((error as Error).message).toBe(
      'AWX GET jobs/5/ returned an unexpected body: larger than 64 MiB',
    );
    expect(await whole).toBe(false);
    await transport.close();
  }, 60_000);
});
