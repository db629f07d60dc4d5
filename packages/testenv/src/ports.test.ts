import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ProcessStartError } from './errors.js';
import { freePort, isPortClash, retryOnPortClash } from './ports.js';

describe('freePort', () => {
  it('returns a loopback port that can be bound', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('retryOnPortClash', () => {
  const clash = new ProcessStartError('etcd', 'exited', '/l', 'bind: address already in use');

  it('recognises a port taken between picking and binding', () => {
    expect(isPortClash(clash)).toBe(true);
    expect(isPortClash(new ProcessStartError('etcd', 'exited', '/l', 'bad flag'))).toBe(false);
  });

  it('retries a clash and gives up after the attempts', async () => {
    let calls = 0;
    await expect(
      retryOnPortClash(async () => {
        calls++;
        if (calls < 3) throw clash;
        return 'bound';
      }),
    ).resolves.toBe('bound');
    calls = 0;
    await expect(
      retryOnPortClash(async () => {
        calls++;
        throw clash;
      }, 2),
    ).rejects.toBe(clash);
    expect(calls).toBe(2);
  });

  it('does not retry other failures', async () => {
    let calls = 0;
    const other = new Error('boom');
    await expect(
      retryOnPortClash(async () => {
        calls++;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});
