/**
 * requestBuffered against a loopback server: what it sends, what it reads of each answer, and
 * how it ends when the caller stops or the transport fails, as undici's `request` would.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, Pool } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestBuffered } from './buffered-request.js';

const open: { server: Server; agent: Agent }[] = [];
afterEach(async () => {
  for (const { server, agent } of open.splice(0)) {
    await agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent();
  open.push({ server, agent });
  return { agent, origin: `http://127.0.0.1:${port}` };
}

const limits = { successBytes: 1024, errorBytes: 16 };

describe('requestBuffered', () => {
  it('sends the method, path, headers and body, and reads the whole answer', async () => {
    const { agent, origin } = await serve((req, res) => {
      let sent = '';
      req.on('data', (chunk: Buffer) => {
        sent += chunk.toString();
      });
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', warning: '299 - "old"' });
        res.end(
          JSON.stringify({ method: req.method, url: req.url, type: req.headers['x-kind'], sent }),
        );
      });
    });
    const answer = await requestBuffered(
      agent,
      {
        origin,
        path: '/api/v1/namespaces/n/configmaps?fieldManager=r',
        method: 'POST',
        headers: { 'x-kind': 'ConfigMap' },
        body: '{"ü":1}',
      },
      limits,
      new AbortController().signal,
    );
    expect(answer.statusCode).toBe(201);
    expect(answer.headers.warning).toBe('299 - "old"');
    expect(answer.cut).toBe(false);
    expect(JSON.parse(answer.text)).toEqual({
      method: 'POST',
      url: '/api/v1/namespaces/n/configmaps?fieldManager=r',
      type: 'ConfigMap',
      sent: '{"ü":1}',
    });
  });

  it('reads a successful answer and an error answer each only to its limit', async () => {
    const { agent, origin } = await serve((req, res) => {
      res.writeHead(req.url === '/ok' ? 200 : 503);
      res.end('é'.repeat(2048));
    });
    const get = (path: string) =>
      requestBuffered(
        agent,
        { origin, path, method: 'GET', headers: {} },
        limits,
        new AbortController().signal,
      );
    const ok = await get('/ok');
    expect(ok).toMatchObject({ statusCode: 200, cut: true, text: 'é'.repeat(512) });
    const failed = await get('/failed');
    expect(failed).toMatchObject({ statusCode: 503, cut: true, text: 'é'.repeat(8) });
  });

  it('rejects with the signal reason when stopped before the answer, ending the request', async () => {
    let received = false;
    let closed = false;
    const { agent, origin } = await serve((req) => {
      received = true;
      req.socket.on('close', () => {
        closed = true;
      });
    });
    const stop = new AbortController();
    const answer = requestBuffered(
      agent,
      { origin, path: '/slow', method: 'GET', headers: {} },
      limits,
      stop.signal,
    );
    await vi.waitFor(() => expect(received).toBe(true));
    const reason = new DOMException('timed out', 'TimeoutError');
    stop.abort(reason);
    await expect(answer).rejects.toBe(reason);
    await vi.waitFor(() => expect(closed).toBe(true));
  });

  it('sends nothing once the signal has fired', async () => {
    let requests = 0;
    const { agent, origin } = await serve((_req, res) => {
      requests += 1;
      res.end();
    });
    const stop = new AbortController();
    const reason = new Error('stopped');
    stop.abort(reason);
    await expect(
      requestBuffered(
        agent,
        { origin, path: '/', method: 'GET', headers: {} },
        limits,
        stop.signal,
      ),
    ).rejects.toBe(reason);
    // A later request on the same agent is answered, and is the only one the server saw.
    await requestBuffered(
      agent,
      { origin, path: '/', method: 'GET', headers: {} },
      limits,
      new AbortController().signal,
    );
    expect(requests).toBe(1);
  });

  it('takes a request stopped while it waits for a connection out of the queue, keeping the connection', async () => {
    let connections = 0;
    let answerFirst: () => void = () => {};
    const firstArrived = new Promise<void>((arrived) => {
      const server = createServer((req, res) => {
        if (req.url !== '/first') return res.end('{}');
        answerFirst = () => res.end('{}');
        arrived();
      });
      server.on('connection', () => connections++);
      server.listen(0, '127.0.0.1');
      open.push({ server, agent: new Agent() });
    });
    const { server } = open[open.length - 1] as { server: Server };
    await new Promise((listening) => server.once('listening', listening));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pool = new Pool(origin, { connections: 1 });
    const get = (path: string, signal: AbortSignal) =>
      requestBuffered(pool, { origin, path, method: 'GET', headers: {} }, limits, signal);
    try {
      const first = get('/first', new AbortController().signal);
      await firstArrived;
      const stop = new AbortController();
      const waiting = get('/waiting', stop.signal);
      stop.abort(new Error('timed out'));
      await expect(waiting).rejects.toThrow('timed out');
      expect(pool.stats.queued + pool.stats.pending).toBe(0);
      answerFirst();
      await first;
      await get('/third', new AbortController().signal);
      expect(connections).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it("rejects with the transport's error when nothing answers", async () => {
    const { agent, origin } = await serve(() => {});
    const { server } = open[0] as { server: Server };
    server.close();
    await expect(
      requestBuffered(
        agent,
        { origin, path: '/', method: 'GET', headers: {} },
        limits,
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
