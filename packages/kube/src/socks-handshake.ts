import { isIP } from 'node:net';
import { ConfigurationError } from '@roundhouse/core';

/**
 * The bytes of a SOCKS5 handshake (RFC 1928, username/password from RFC 1929), built and read
 * apart from any socket so each message is checked on its own. Only CONNECT is asked for, and
 * the API server's host name goes to the proxy unresolved, as client-go's dialer sends it.
 */

const version = 0x05;
const noAuthentication = 0x00;
const usernamePassword = 0x02;
const noAcceptableMethod = 0xff;

/** The proxy's credentials, from the userinfo of the kubeconfig's `proxy-url`. */
export interface SocksCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Why the proxy did not open the tunnel, as the error code a transport failure is classified
 * by: a refusal the proxy reports for the API server (unreachable, refused) is the errno a
 * direct connection would have failed with, so it is retried alike; the request was never sent.
 */
const replyCodes: Readonly<Record<number, { readonly text: string; readonly code: string }>> = {
  1: { text: 'general SOCKS server failure', code: 'ERR_SOCKS_PROXY' },
  2: { text: 'connection not allowed by its rules', code: 'ERR_SOCKS_PROXY_DENIED' },
  3: { text: 'network unreachable', code: 'ENETUNREACH' },
  4: { text: 'host unreachable', code: 'EHOSTUNREACH' },
  5: { text: 'connection refused', code: 'ECONNREFUSED' },
  6: { text: 'TTL expired', code: 'EHOSTUNREACH' },
  7: { text: 'command not supported', code: 'ERR_SOCKS_PROXY' },
  8: { text: 'address type not supported', code: 'ERR_SOCKS_PROXY' },
};

/** The proxy refused or broke the handshake; its message names the proxy, never credentials. */
export class SocksProxyError extends Error {
  readonly code: string;

  constructor(proxy: string, problem: string, code: string) {
    super(`the SOCKS proxy ${proxy} ${problem}`);
    this.name = 'SocksProxyError';
    this.code = code;
  }
}

/** The methods offered: username/password only when the proxy URL carries credentials. */
export function greeting(credentials: SocksCredentials | undefined): Buffer {
  return Buffer.from(credentials ? [version, 1, usernamePassword] : [version, 1, noAuthentication]);
}

/** The method the proxy chose, which must be one offered. */
export function chosenMethod(
  reply: Buffer,
  credentials: SocksCredentials | undefined,
  proxy: string,
): 'none' | 'password' {
  if (reply[0] !== version) {
    throw new SocksProxyError(proxy, 'did not answer as a SOCKS5 proxy', 'ERR_SOCKS_PROXY');
  }
  if (reply[1] === noAuthentication) return 'none';
  if (reply[1] === usernamePassword && credentials) return 'password';
  throw new SocksProxyError(
    proxy,
    reply[1] === noAcceptableMethod
      ? credentials
        ? 'accepts no username and password'
        : 'requires credentials; put them in the proxy-url as socks5://user:password@host:port'
      : `chose an authentication method not offered (${reply[1]})`,
    'ERR_SOCKS_PROXY_AUTH',
  );
}

/** RFC 1929's request; each part is at most 255 bytes. */
export function authentication({ username, password }: SocksCredentials): Buffer {
  const user = Buffer.from(username);
  const secret = Buffer.from(password);
  if (user.length === 0 || user.length > 255 || secret.length > 255) {
    throw new ConfigurationError({
      path: 'kubeconfig.clusters[].cluster.proxy-url',
      message:
        'a SOCKS5 username must be 1 to 255 bytes and its password at most 255; shorten them in the proxy-url',
    });
  }
  return Buffer.concat([
    Buffer.from([0x01, user.length]),
    user,
    Buffer.from([secret.length]),
    secret,
  ]);
}

/** Whether the proxy accepted the credentials (RFC 1929: status 0). */
export function checkAuthentication(reply: Buffer, proxy: string): void {
  if (reply[1] !== 0x00) {
    throw new SocksProxyError(
      proxy,
      'refused the username and password of the proxy-url',
      'ERR_SOCKS_PROXY_AUTH',
    );
  }
}

/** CONNECT to `host:port`: an address as one, a name as a name for the proxy to resolve. */
export function connectRequest(host: string, port: number): Buffer {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  const address =
    family === 4
      ? Buffer.concat([Buffer.from([0x01]), Buffer.from(bare.split('.').map(Number))])
      : family === 6
        ? Buffer.concat([Buffer.from([0x04]), ipv6Bytes(bare)])
        : nameAddress(bare);
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  return Buffer.concat([Buffer.from([version, 0x01, 0x00]), address, portBytes]);
}

function nameAddress(name: string): Buffer {
  const bytes = Buffer.from(name);
  if (bytes.length === 0 || bytes.length > 255) {
    throw new ConfigurationError({
      path: 'kubeconfig.clusters[].cluster.server',
      message: 'a server reached through a SOCKS5 proxy needs a host name of 1 to 255 bytes',
    });
  }
  return Buffer.concat([Buffer.from([0x03, bytes.length]), bytes]);
}

function ipv6Bytes(written: string): Buffer {
  // An IPv4 tail (::ffff:10.0.0.1) is two groups.
  const address = written.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)]
      .map((group) => group.toString(16))
      .join(':'),
  );
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const filled = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  for (const [i, group] of filled.entries()) bytes.writeUInt16BE(Number.parseInt(group, 16), i * 2);
  return bytes;
}

/**
 * The length of the CONNECT reply's bound address and port, read from its first 5 bytes (the
 * 4-byte header and the address's first byte, a name's length); throws on a refusal.
 */
export function replyRemainder(head: Buffer, proxy: string): number {
  if (head[0] !== version) {
    throw new SocksProxyError(proxy, 'did not answer as a SOCKS5 proxy', 'ERR_SOCKS_PROXY');
  }
  const status = head[1] ?? 0x01;
  if (status !== 0x00) {
    const known = replyCodes[status] ?? { text: `reply ${status}`, code: 'ERR_SOCKS_PROXY' };
    throw new SocksProxyError(
      proxy,
      `did not connect to the API server: ${known.text}`,
      known.code,
    );
  }
  // The 5th byte is already read: the rest of an address, then 2 bytes of port.
  switch (head[3]) {
    case 0x01:
      return 4 - 1 + 2;
    case 0x04:
      return 16 - 1 + 2;
    case 0x03:
      return (head[4] ?? 0) + 2;
    default:
      throw new SocksProxyError(
        proxy,
        `answered with an unknown address type (${head[3]})`,
        'ERR_SOCKS_PROXY',
      );
  }
}
