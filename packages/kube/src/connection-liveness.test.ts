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
/** The check's tick for these settings: a third of the shorter of the two. */
const tickMs = 5_000;
/** How long the process has been stopped in all, which the monotonic clock counts. */
let pausedMs = 0;
const check = (socket: FakeSocket) =>
  checkLiveness(socket as unknown as CheckedSocket, liveness, () => performance.now() + pausedMs);

/** The process stopped for `ms` (SIGSTOP): both clocks move on, no timer runs meanwhile. */
function pause(ms: number) {
  pausedMs += ms;
  vi.setSystemTime(Date.now() + ms);
}

beforeEach(() => {
  pausedMs = 0;
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
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

  it('keeps a live HTTP/2 connection when the wall clock steps forward', () => {
    const socket = new FakeSocket('h2');
    checkLiveness(socket as unknown as CheckedSocket, liveness);
    vi.advanceTimersByTime(tickMs);
    vi.setSystemTime(Date.now() + 3_600_000);
    vi.advanceTimersByTime(tickMs);
    expect(socket.destroyed).toBe(false);
  });

  it('keeps a live HTTP/2 connection after the process was stopped longer than the deadline', () => {
    const socket = new FakeSocket('h2');
    check(socket);
    vi.advanceTimersByTime(20_000);
    pause(60_000);
    // The late tick runs before the bytes the peer sent meanwhile are read.
    vi.advanceTimersByTime(tickMs);
    expect(socket.destroyed).toBe(false);
    socket.bytesRead += 17;
    vi.advanceTimersByTime(tickMs);
    expect(socket.destroyed).toBe(false);
  });

  it('still closes an HTTP/2 connection that stays silent for the deadline after a stop', () => {
    const socket = new FakeSocket('h2');
    check(socket);
    vi.advanceTimersByTime(20_000);
    pause(60_000);
    vi.advanceTimersByTime(tickMs);
    vi.advanceTimersByTime(45_000 - tickMs);
    expect(socket.destroyed).toBe(false);
    vi.advanceTimersByTime(tickMs);
    expect(socket.destroyed).toBe(true);
    expect(socket.closedWith).toBeInstanceOf(UnansweredPingError);
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
