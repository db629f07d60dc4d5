import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
