import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';

/**
 * How an HTTP/2 connection proves it is alive: undici sends a PING on it every
 * `pingIntervalMs`, and the peer must answer within `pingTimeoutMs`. client-go checks its
 * connections the same way (30 s and 15 s, its defaults and these).
 */
export interface Liveness {
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

export const defaultLiveness: Liveness = { pingIntervalMs: 30_000, pingTimeoutMs: 15_000 };

/**
 * The error a connection is closed with when it stopped answering. ETIMEDOUT is what the kernel
 * reports for a connection that timed out, so the request on it classifies as interrupted
 * (retryable) the same way.
 */
export class UnansweredPingError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(silentMs: number) {
    super(`the connection to the API server answered no PING within ${silentMs} ms`);
    this.name = 'UnansweredPingError';
  }
}

/** The part of a connected socket the check reads; a `net.Socket` (or `TLSSocket`) fits. */
export type CheckedSocket = Pick<Socket, 'bytesRead' | 'destroy' | 'once' | 'destroyed'> & {
  readonly alpnProtocol?: string | false | null | undefined;
};

/**
 * Closes an HTTP/2 connection from which nothing at all has arrived for a PING interval plus
 * the PING timeout. A peer that is there answers every PING, so a live connection never goes
 * that long without a byte however quiet its streams are (a followed log of a silent
 * container, an idle watch); one that died without a reset (a network partition, a NAT or load
 * balancer that dropped it, a hung peer) does, and closing it fails every stream on it with
 * `UnansweredPingError` and makes the next request dial a new one. undici sends the PINGs but
 * never gives up waiting for their answer, and it keeps the session out of reach, so the check
 * watches the socket's byte count instead. HTTP/1.1 has no PING: such a connection is left to
 * TCP keep-alive. `now` is a monotonic clock in milliseconds: the wall clock can step forward
 * (NTP, a resumed VM) and would close connections that are live.
 */
export function checkLiveness(
  socket: CheckedSocket,
  liveness: Liveness,
  now: () => number = () => performance.now(),
): void {
  if (socket.alpnProtocol !== 'h2') return;
  const deadlineMs = liveness.pingIntervalMs + liveness.pingTimeoutMs;
  // Progress is seen only at a tick, so a socket is declared dead between the deadline and a
  // tick past it after its last byte, never before.
  const tickMs = Math.max(
    1,
    Math.floor(Math.min(liveness.pingIntervalMs, liveness.pingTimeoutMs) / 3),
  );
  let bytesRead = socket.bytesRead;
  let quietSince = now();
  let lastTick = quietSince;
  const timer = setInterval(() => {
    if (socket.destroyed) {
      clearInterval(timer);
      return;
    }
    const tick = now();
    // A tick a whole interval late means the process was paused (SIGSTOP, a suspended VM) or
    // its event loop blocked; Node runs due timers before it reads the sockets, so what the
    // peer sent meanwhile is not counted yet. Judging now would close a healthy connection:
    // the quiet period starts over instead.
    const late = tick - lastTick >= 2 * tickMs;
    lastTick = tick;
    if (late || socket.bytesRead !== bytesRead) {
      bytesRead = socket.bytesRead;
      quietSince = tick;
    } else if (tick - quietSince >= deadlineMs) {
      clearInterval(timer);
      socket.destroy(new UnansweredPingError(deadlineMs));
    }
  }, tickMs);
  // A check must not keep a process alive that has nothing else to do.
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}

/** `connect`, with each connection it makes checked for liveness once it is up. */
export function livenessChecked(
  connect: buildConnector.connector,
  liveness: Liveness,
): buildConnector.connector {
  return (options, callback) =>
    connect(options, (...result) => {
      const [error, socket] = result;
      if (!error && socket) checkLiveness(socket, liveness);
      callback(...result);
    });
}
