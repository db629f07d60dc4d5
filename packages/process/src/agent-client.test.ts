import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withRequestGate } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { TaskExecutorClient } from './agent-client.js';

describe('TaskExecutorClient', () => {
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
});
