import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventDeliveryError, HttpEventWriter } from './http-writer.js';

let server: Server | undefined;
afterEach(async () => {
  server?.close();
  server = undefined;
});

/** An events service answering `status` and keeping the bodies it was sent. */
async function eventsService(status: number) {
  const bodies: unknown[] = [];
  server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    bodies.push({
      method: request.method,
      type: request.headers['content-type'],
      body: JSON.parse(body),
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
    });
    response.writeHead(status).end(status >= 400 ? 'nope' : '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/events`, bodies };
}

describe('HttpEventWriter', () => {
  it('POSTs a batch as {"events": [...]} and resolves on 2xx', async () => {
    const service = await eventsService(204);
    await new HttpEventWriter(service.url).write([{ id: 'a' }, { id: 'b' }]);
    expect(service.bodies).toEqual([
      { method: 'POST', type: 'application/json', body: { events: [{ id: 'a' }, { id: 'b' }] } },
    ]);
  });

  it('tells a service that may recover from one that rejected the batch, by status code', async () => {
    const unavailable = await eventsService(503);
    const error = await new HttpEventWriter(unavailable.url).write([{ id: 'a' }]).catch((e) => e);
    expect(error).toBeInstanceOf(EventDeliveryError);
    expect(error).toMatchObject({
      reason: 'EventServiceUnavailable',
      retryable: true,
      statusCode: 503,
    });
    server?.close();
    const rejecting = await eventsService(400);
    await expect(new HttpEventWriter(rejecting.url).write([{ id: 'a' }])).rejects.toMatchObject({
      reason: 'EventsRejected',
      retryable: false,
    });
  });

  it('reports a service nobody answers for as unreachable', async () => {
    const service = await eventsService(204);
    server?.close();
    await once(server as Server, 'close');
    await expect(new HttpEventWriter(service.url).write([{ id: 'a' }])).rejects.toMatchObject({
      reason: 'EventServiceUnreachable',
      retryable: true,
    });
  });

  it('names the service without its credentials when it fails: errors end up in logs', async () => {
    const service = await eventsService(503);
    const withToken = `${service.url}?token=s3cr3t`;
    const unavailable = await new HttpEventWriter(withToken).write([{ id: 'a' }]).catch((e) => e);
    expect(unavailable.message).toBe(`POST ${service.url}: HTTP 503: nope`);
    server?.close();
    await once(server as Server, 'close');
    const withUser = service.url.replace('http://', 'http://robot:s3cr3t@');
    for (const url of [withToken, withUser]) {
      const unreachable = await new HttpEventWriter(url).write([{ id: 'a' }]).catch((e) => e);
      expect(unreachable).toBeInstanceOf(EventDeliveryError);
      expect(unreachable.message).not.toContain('s3cr3t');
      expect(unreachable.message).toMatch(new RegExp(`^POST ${service.url}: `));
    }
  });

  it('sends the credentials of a URL that holds them as Basic authorization, as curl does', async () => {
    const service = await eventsService(204);
    const url = service.url.replace('http://', 'http://robot:s3cr%40t@');
    // fetch refuses a URL with credentials: every batch failed, said to be "no answer".
    await new HttpEventWriter(url).write([{ id: 'a' }]);
    expect(service.bodies).toEqual([
      {
        method: 'POST',
        type: 'application/json',
        body: { events: [{ id: 'a' }] },
        authorization: `Basic ${Buffer.from('robot:s3cr@t').toString('base64')}`,
      },
    ]);
    // curl decodes a % and two hex digits to that byte, even one no UTF-8 text has (%C3 alone),
    // and sends any other % as it is; decodeURIComponent threw a URIError for both at start.
    const bare = service.url.replace('http://', 'http://r%6Fbot:50%off%C3%41%@');
    await new HttpEventWriter(bare).write([{ id: 'raw' }]);
    expect(service.bodies.at(-1)).toMatchObject({
      authorization: `Basic ${Buffer.concat([Buffer.from('robot:50%off'), Buffer.from([0xc3]), Buffer.from('A%')]).toString('base64')}`,
    });
    // A header given wins over the URL's credentials.
    await new HttpEventWriter(url, { headers: { Authorization: 'Bearer t' } }).write([{ id: 'b' }]);
    expect(service.bodies.at(-1)).toMatchObject({ authorization: 'Bearer t' });
    server?.close();
    await once(server as Server, 'close');
    const unreachable = await new HttpEventWriter(url).write([{ id: 'c' }]).catch((e) => e);
    expect(unreachable).toMatchObject({ reason: 'EventServiceUnreachable' });
    // Nor does the cause, which a logger may print, hold them.
    expect(String(unreachable.cause?.message)).not.toMatch(/s3cr/);
  });
});
