import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ConfigurationError, withRequestGate } from '@roundhouse/core';
import { describe, expect, it, vi } from 'vitest';
import { TaskExecutorClient } from './agent-client.js';
import { TaskExecutorApiError, TaskExecutorResponseError } from './agent-client-errors.js';

/** A client of a loopback agent answering every request with `handler`, closed after `use`. */
async function withAgent(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  use: (client: TaskExecutorClient) => Promise<void>,
) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await use(new TaskExecutorClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 120_000 }));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

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

describe('TaskExecutorClient', () => {
  it('refuses a base URL carrying credentials, without repeating them', () => {
    const construct = () => new TaskExecutorClient({ baseUrl: 'http://ops:s3cret@127.0.0.1:9' });
    expect(construct).toThrow(ConfigurationError);
    expect(construct).toThrow(/baseUrl: must not carry a user name or password/);
    expect(construct).not.toThrow(/s3cret/);
  });

  it('refuses a base URL with a query or fragment, or none at all, without repeating it', () => {
    for (const [baseUrl, refusal] of [
      ['http://127.0.0.1:9/?token=s3cret', /baseUrl: must not carry a query or fragment/],
      ['http://127.0.0.1:9/#s3cret', /baseUrl: must not carry a query or fragment/],
      ['http://ops:s3cret@[bad', /baseUrl: is not an absolute URL/],
    ] as const) {
      const construct = () => new TaskExecutorClient({ baseUrl });
      expect(construct).toThrow(ConfigurationError);
      expect(construct).toThrow(refusal);
      expect(construct).not.toThrow(/s3cret/);
    }
  });

  it('keeps the path of a base URL, with or without its trailing slash', () => {
    expect(new TaskExecutorClient({ baseUrl: 'http://127.0.0.1:9/agent' }).baseUrl).toBe(
      'http://127.0.0.1:9/agent/',
    );
    expect(new TaskExecutorClient({ baseUrl: 'http://127.0.0.1:9' }).baseUrl).toBe(
      'http://127.0.0.1:9/',
    );
  });

  it('starts no task the request gate of the work around it refuses, and throws its refusal', async () => {
    let received = 0;
    const server = createServer((_req, res) => {
      received += 1;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new TaskExecutorClient({ baseUrl: `http://127.0.0.1:${port}` });
      const refusal = new Error('the lease is lost');
      const created = withRequestGate(
        () => refusal,
        () => client.createTask({ name: 'job', process: { command: ['true'] } }),
      );
      await expect(created).rejects.toBe(refusal);
      expect(received).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("shows an agent's error message as one short line, what hides in it escaped", async () => {
    const message = `bad task\n2026-01-01T00:00:00Z INFO forged line\u001b[2K\u202e${'y'.repeat(5_000)}`;
    await withAgent(
      (_req, res) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ reason: 'InvalidRequest', message }));
      },
      async (client) => {
        const error = await client.listTasks().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TaskExecutorApiError);
        const shown = (error as Error).message;
        expect(shown).toMatch(
          /^task-executor GET \/getTasks answered 400: bad task\\n2026-01-01T00:00:00Z INFO forged line\\x1b\[2K\\u202ey+…$/,
        );
        expect(shown.length).toBeLessThan(600);
      },
    );
  });

  it('reads no more of an answer than any agent sends, and leaves the rest unsent', async () => {
    for (const status of [200, 500]) {
      let whole: boolean | undefined;
      await withAgent(
        (_req, res) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.on('close', () => {
            whole = res.writableFinished;
          });
          body('[{"name": "', 96 * MiB).pipe(res);
        },
        async (client) => {
          const error = await client.listTasks().catch((e: unknown) => e);
          if (status === 200) {
            expect(error).toBeInstanceOf(TaskExecutorResponseError);
            expect((error as Error).message).toBe(
              'task-executor GET /getTasks returned an unexpected body: larger than 16 MiB',
            );
          } else {
            expect(error).toMatchObject({ statusCode: 500, reason: 'AgentServerError' });
          }
          await vi.waitFor(() => expect(whole).toBe(false), { timeout: 30_000 });
        },
      );
    }
  }, 60_000);
});
