import { connect, type Socket } from 'node:net';
import type { Logger } from '@roundhouse/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TaskExecutorServer } from './agent-server.js';
import type { ProcessSupervisor } from './supervisor.js';

/** Sends raw bytes and returns the whole answer once the server closes or answers. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
      if (/\r\n\r\n[\s\S]*\}$/.test(answer)) socket.end();
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('the agent server facing a malformed request target', () => {
  // No request here reaches the supervisor: each is answered before any endpoint runs.
  const supervisor = {} as ProcessSupervisor;
  const server = new TaskExecutorServer({ supervisor, authToken: 'secret-token' });
  let port: number;

  beforeAll(async () => {
    ({ port } = await server.listen('127.0.0.1', 0));
  });

  afterAll(async () => {
    await server.close();
  });

  const status = (answer: string) => answer.split('\r\n')[0];
  const body = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

  it.each(['//x:99999', '//[', '//%', '//a%20b'])(
    'takes %s as a path that names no endpoint, and keeps serving',
    async (target) => {
      const anonymous = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
      expect(status(anonymous)).toBe('HTTP/1.1 401 Unauthorized');
      const authorized = await rawRequest(
        port,
        `GET ${target} HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer secret-token\r\n\r\n`,
      );
      expect(status(authorized)).toBe('HTTP/1.1 404 Not Found');
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    },
  );

  it.each(['http://[bad/health', '*'])(
    'answers the target %s, neither a path nor a URL, with 400 and keeps serving',
    async (target) => {
      const answer = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
      expect(status(answer)).toBe('HTTP/1.1 400 Bad Request');
      expect(body(answer)).toMatchObject({ reason: 'InvalidRequest', field: 'path' });
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    },
  );

  it('routes an absolute-form target by its path, and still asks for the token', async () => {
    const answer = await rawRequest(
      port,
      'GET http://agent/getTasks HTTP/1.1\r\nHost: agent\r\n\r\n',
    );
    expect(status(answer)).toBe('HTTP/1.1 401 Unauthorized');
  });
});

/** Opens a connection, sends `text` if given, and resolves once connected. */
function open(port: number, text?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (text !== undefined) socket.write(text);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** Everything the server sent on `socket` until it closed the connection. */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    socket.on('close', () => resolve(answer));
  });
}

describe('the agent server holding connections', () => {
  // A log read that waits longer than the request timeout, as one behind a long rotation does.
  const supervisor = {
    logs: () =>
      new Promise((resolve) =>
        setTimeout(() => resolve({ content: 'late', size: 4, truncated: false }), 600),
      ),
  } as unknown as ProcessSupervisor;
  const server = new TaskExecutorServer({
    supervisor,
    connections: {
      headersTimeoutMs: 100,
      requestTimeoutMs: 200,
      keepAliveTimeoutMs: 100,
    },
  });
  let port: number;

  beforeAll(async () => {
    ({ port } = await server.listen('127.0.0.1', 0));
  });

  afterAll(async () => {
    await server.close();
  });

  it('closes a connection whose headers never end, and one that sends nothing', async () => {
    const partial = await open(port, 'GET /health HTTP/1.1\r\nHost: a\r\nX-Slow: ');
    const silent = await open(port);
    const [partialAnswer, silentAnswer] = await Promise.all([closed(partial), closed(silent)]);
    expect(partialAnswer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(silentAnswer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('does not cut an answer that takes longer than the request timeout', async () => {
    const answer = await rawRequest(
      port,
      'GET /tasks/t1/logs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      name: 't1',
      content: 'late',
    });
  });

  it('closes a kept-alive connection that stays idle after its answer', async () => {
    const idle = await open(port, 'GET /health HTTP/1.1\r\nHost: a\r\n\r\n');
    expect((await closed(idle)).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });
});

describe('the agent server at its connection cap', () => {
  const warnings: unknown[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields) => void warnings.push(fields),
    error: () => {},
  };
  const server = new TaskExecutorServer({
    supervisor: {} as ProcessSupervisor,
    logger,
    connections: { maxConnections: 2 },
  });
  let port: number;
  const holders: Socket[] = [];

  beforeAll(async () => {
    ({ port } = await server.listen('127.0.0.1', 0));
  });

  afterAll(async () => {
    for (const socket of holders) socket.destroy();
    await server.close();
  });

  it('refuses connections past it, warning once, and serves again below it', async () => {
    // Unfinished headers hold each connection open, for the default 10 s headers timeout.
    const holding = 'GET /health HTTP/1.1\r\nHost: a\r\n';
    holders.push(await open(port, holding), await open(port, holding));
    const refused = [await open(port), await open(port)];
    expect(await Promise.all(refused.map(closed))).toEqual(['', '']);
    expect(warnings).toEqual([{ maxConnections: 2, refused: 1 }]);
    holders.pop()?.destroy();
    await vi.waitFor(async () => {
      const answer = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    });
  });
});

describe('the agent server without a token, facing a web page', () => {
  const created: unknown[] = [];
  const supervisor = {
    list: () => [],
    create: async (task: unknown) => {
      created.push(task);
      throw new Error('no task may be created here');
    },
  } as unknown as ProcessSupervisor;
  const server = new TaskExecutorServer({ supervisor });
  let port: number;

  beforeAll(async () => {
    ({ port } = await server.listen('127.0.0.1', 0));
  });

  afterAll(async () => {
    await server.close();
  });

  const task = JSON.stringify({ name: 'pwn', process: { command: ['sh', '-c', 'id'] } });
  const post = (headers: string) =>
    rawRequest(
      port,
      `POST /tasks HTTP/1.1\r\n${headers}Content-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(task)}\r\nConnection: close\r\n\r\n${task}`,
    );

  it("refuses a page's cross-origin POST, which needs no preflight, and runs nothing", async () => {
    const answer = await post(`Host: 127.0.0.1:${port}\r\nOrigin: https://evil.example\r\n`);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      reason: 'BrowserRequestRefused',
      field: 'Origin',
    });
    expect(created).toEqual([]);
  });

  it('refuses a request to a rebound DNS name, reading nothing and running nothing', async () => {
    const read = await rawRequest(
      port,
      'GET /getTasks HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    expect(read.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect((await post('Host: evil.example\r\n')).split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(created).toEqual([]);
  });

  it('serves a client on the loopback address, and health to anyone', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/getTasks`)).status).toBe(200);
    expect((await fetch(`http://localhost:${port}/getTasks`)).status).toBe(200);
    const health = await rawRequest(
      port,
      'GET /health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    expect(health.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });
});
