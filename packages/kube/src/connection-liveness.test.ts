import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CheckedSocket, checkLiveness, UnansweredPingError } from './connection-liveness.js';

/** A connected socket whose received byte count the test moves, as PING answers would. */
class FakeSocket extends EventEmitter {
  bytesRead = 0;
  destroyed = false;
  closedWith: Error | undefined;
  constructor(readonly alpnProtocol: string | false) {
    super();
  }
  destroy(error?: Error): this {
    this.destroyed = true;
    this.closedWith = error;
    this.emit('close');
    return this;
  }
}

const liveness = { pingIntervalMs: 30_000, pingTimeoutMs: 15_000 };
const check = (socket: FakeSocket) => checkLiveness(socket as unknown as CheckedSocket, liveness);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('checkLiveness', () => {
  it('keeps an HTTP/2 connection whose streams are silent for minutes while it answers PINGs', () => {
    const socket = new FakeSocket('h2');
    check(socket);
    // A PING every 30 s from the start, each answered a second before its timeout.
    vi.advanceTimersByTime(liveness.pingIntervalMs + liveness.pingTimeoutMs - 1_000);
    for (let ping = 0; ping < 20; ping++) {
      socket.bytesRead += 17;
      vi.advanceTimersByTime(liveness.pingIntervalMs);
    }
    expect(socket.destroyed).toBe(false);
  });

  it('closes an HTTP/2 connection from which nothing arrives for a PING interval and timeout', () => {
    const socket = new FakeSocket('h2');
    check(socket);
    vi.advanceTimersByTime(20_000);
    socket.bytesRead += 100;
    // Not before the deadline counted from the last byte.
    vi.advanceTimersByTime(45_000 - 5_000);
    expect(socket.destroyed).toBe(false);
    vi.advanceTimersByTime(15_000);
    expect(socket.destroyed).toBe(true);
    expect(socket.closedWith).toBeInstanceOf(UnansweredPingError);
    expect(socket.closedWith).toMatchObject({
      code: 'ETIMEDOUT',
      message: 'the connection to the API server answered no PING within 45000 ms',
    });
  });

  it('leaves an HTTP/1.1 connection, which has no PING, to TCP keep-alive', () => {
    const socket = new FakeSocket('http/1.1');
    check(socket);
    vi.advanceTimersByTime(600_000);
    expect(socket.destroyed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops checking a connection once it is closed', () => {
    const socket = new FakeSocket('h2');
    check(socket);
    expect(vi.getTimerCount()).toBe(1);
    socket.emit('close');
    expect(vi.getTimerCount()).toBe(0);
  });
});
