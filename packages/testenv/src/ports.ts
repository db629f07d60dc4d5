import { createServer } from 'node:net';
import { ProcessStartError } from './errors.js';

/** A loopback port that was free a moment ago; another process may still take it first. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** True when a start failed because a port picked by freePort() was taken in the meantime. */
export function isPortClash(error: unknown): boolean {
  return error instanceof ProcessStartError && /address already in use/i.test(error.logTail);
}

/** Runs `start` again with fresh ports while it fails only because a port was taken. */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !isPortClash(error)) throw error;
    }
  }
}
