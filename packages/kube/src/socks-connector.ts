import { connect, type Socket } from 'node:net';
import { ConfigurationError } from '@roundhouse/core';
import type { buildConnector } from 'undici';
import {
  authentication,
  checkAuthentication,
  chosenMethod,
  connectRequest,
  greeting,
  replyRemainder,
  type SocksCredentials,
  SocksProxyError,
} from './socks-handshake.js';

/** A SOCKS5 proxy from a kubeconfig's `proxy-url`. */
export interface SocksProxy {
  readonly host: string;
  readonly port: number;
  readonly credentials?: SocksCredentials | undefined;
  /** host:port, for messages: never the credentials. */
  readonly label: string;
}

/** Whether a `proxy-url` names a SOCKS proxy (any version: the others are refused by name). */
export const isSocksUrl = (proxyUrl: string) => /^socks[0-9a-z]*:/i.test(proxyUrl);

/**
 * The proxy of a `socks5://` or `socks5h://` URL, the schemes client-go dials (both send the
 * host name to the proxy unresolved); SOCKS4 is refused, as kubectl refuses it.
 */
export function parseSocksProxy(proxyUrl: string): SocksProxy {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    throw invalid('is not a URL; write it as socks5://host:port');
  }
  if (url.protocol !== 'socks5:' && url.protocol !== 'socks5h:') {
    throw invalid(
      `uses ${url.protocol.slice(0, -1)}, which kubectl does not support either; use a socks5:// proxy`,
    );
  }
  if (!url.hostname) throw invalid('names no host; write it as socks5://host:port');
  const port = url.port ? Number(url.port) : 1080;
  const label = `${url.hostname}:${port}`;
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    label,
    ...(username || password ? { credentials: { username, password } } : {}),
  };
}

function invalid(problem: string): ConfigurationError {
  return new ConfigurationError({
    path: 'kubeconfig.clusters[].cluster.proxy-url',
    message: `the cluster's SOCKS proxy-url ${problem}`,
  });
}

/**
 * An undici connector that reaches the API server through a SOCKS5 tunnel, then hands the
 * tunnel to `tunnelled` (undici's own connector with the cluster's TLS material) for the TLS
 * handshake, so the connection is the same as a direct one: HTTP/2 when the server offers it,
 * pooled, reused and PING-checked, where client-node opens a new tunnel for every request.
 * The handshake has `timeoutMs`, as undici's connect has.
 */
export function socksConnector(
  proxy: SocksProxy,
  tunnelled: buildConnector.connector,
  timeoutMs = 10_000,
): buildConnector.connector {
  return (options, callback) => {
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    openTunnel(proxy, options.hostname, port, timeoutMs).then(
      (socket) => {
        if (options.protocol === 'https:') tunnelled({ ...options, httpSocket: socket }, callback);
        else callback(null, socket);
      },
      (error: Error) => callback(error, null),
    );
  };
}

async function openTunnel(
  proxy: SocksProxy,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Socket> {
  const socket = connect({ host: proxy.host, port: proxy.port });
  socket.setNoDelay(true);
  // As undici's own connector: a dead peer is found by TCP keep-alive over HTTP/1.1.
  socket.setKeepAlive(true, 30_000);
  const reader = handshakeReader(socket, proxy.label);
  const timer = setTimeout(
    () =>
      socket.destroy(
        new SocksProxyError(
          proxy.label,
          `did not complete the handshake within ${timeoutMs} ms`,
          'UND_ERR_CONNECT_TIMEOUT',
        ),
      ),
    timeoutMs,
  );
  try {
    const { credentials } = proxy;
    socket.write(greeting(credentials));
    if (
      chosenMethod(await reader.read(2), credentials, proxy.label) === 'password' &&
      credentials
    ) {
      socket.write(authentication(credentials));
      checkAuthentication(await reader.read(2), proxy.label);
    }
    socket.write(connectRequest(host, port));
    const head = await reader.read(5);
    await reader.read(replyRemainder(head, proxy.label));
    reader.release();
    return socket;
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the proxy's replies by exact byte counts. A SOCKS5 proxy sends nothing after its
 * CONNECT reply until the client speaks (TLS and HTTP both start with the client), but any
 * byte read past the reply is handed back to the socket all the same.
 */
function handshakeReader(socket: Socket, label: string) {
  let buffered = Buffer.alloc(0);
  let connected = false;
  let failure: Error | undefined;
  let waiting:
    | { count: number; resolve: (bytes: Buffer) => void; reject: (error: Error) => void }
    | undefined;
  const settle = () => {
    if (!waiting || buffered.length < waiting.count) return;
    const { count, resolve } = waiting;
    waiting = undefined;
    resolve(buffered.subarray(0, count));
    buffered = buffered.subarray(count);
  };
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    settle();
  };
  const fail = (error: Error) => {
    failure ??=
      error instanceof SocksProxyError
        ? error
        : new SocksProxyError(
            label,
            `${connected ? 'broke off the handshake' : 'could not be reached'} (${codeOf(error)})`,
            codeOf(error),
          );
    waiting?.reject(failure);
    waiting = undefined;
  };
  const onClose = () =>
    fail(new SocksProxyError(label, 'closed the connection during the handshake', 'ECONNRESET'));
  const onConnect = () => {
    connected = true;
  };
  socket.on('connect', onConnect).on('data', onData).on('error', fail).on('close', onClose);
  return {
    read(count: number): Promise<Buffer> {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting = { count, resolve, reject };
        settle();
      });
    },
    release(): void {
      socket.off('connect', onConnect).off('data', onData).off('error', fail).off('close', onClose);
      socket.pause();
      if (buffered.length > 0) socket.unshift(buffered);
    },
  };
}

const codeOf = (error: Error) => {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : 'ECONNRESET';
};
