import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import type { SocksCredentials } from './socks-handshake.js';

/**
 * A SOCKS5 proxy (RFC 1928, with RFC 1929's password when `credentials` is given) that tunnels
 * every CONNECT to `port` on loopback (or, with `undefined`, where it asks), and records the host
 * and port each asked for. It speaks only the IPv4 and name address types.
 */
export async function socksTo(port: number | undefined, credentials?: SocksCredentials) {
  const tunnels: string[] = [];
  const proxy = createServer((client) => {
    client.on('error', () => client.destroy());
    let buffered = Buffer.alloc(0);
    let stage: 'greeting' | 'password' | 'connect' = 'greeting';
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (stage === 'greeting' && buffered.length >= 2 + (buffered[1] ?? 0)) {
        const offered = [...buffered.subarray(2, 2 + (buffered[1] ?? 0))];
        buffered = buffered.subarray(2 + (buffered[1] ?? 0));
        const method = credentials ? 2 : 0;
        client.write(Buffer.from([5, offered.includes(method) ? method : 0xff]));
        stage = credentials ? 'password' : 'connect';
      }
      if (stage === 'password' && buffered.length >= 2) {
        const userLength = buffered[1] ?? 0;
        const passwordLength = buffered[2 + userLength];
        if (passwordLength === undefined || buffered.length < 3 + userLength + passwordLength)
          return;
        const username = buffered.subarray(2, 2 + userLength).toString();
        const password = buffered.subarray(3 + userLength, 3 + userLength + passwordLength);
        buffered = buffered.subarray(3 + userLength + passwordLength);
        const accepted =
          username === credentials?.username && password.toString() === credentials.password;
        client.write(Buffer.from([1, accepted ? 0 : 1]));
        if (!accepted) return client.end();
        stage = 'connect';
      }
      if (stage === 'connect' && buffered.length >= 5) {
        const nameLength = buffered[3] === 3 ? 1 + (buffered[4] ?? 0) : 4;
        if (buffered.length < 4 + nameLength + 2) return;
        const host =
          buffered[3] === 3
            ? buffered.subarray(5, 4 + nameLength).toString()
            : [...buffered.subarray(4, 8)].join('.');
        const asked = buffered.readUInt16BE(4 + nameLength);
        tunnels.push(`${host}:${asked}`);
        client.off('data', onData);
        const server = connect(port ?? asked, port === undefined ? host : '127.0.0.1', () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          client.pipe(server).pipe(client);
        });
        server.on('error', () => client.destroy());
        client.on('close', () => server.destroy());
      }
    };
    client.on('data', onData);
  });
  const sockets = new Set<Socket>();
  proxy.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const closeAllConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    proxy: Object.assign(proxy, { closeAllConnections }),
    tunnels,
    port: (proxy.address() as AddressInfo).port,
  };
}
