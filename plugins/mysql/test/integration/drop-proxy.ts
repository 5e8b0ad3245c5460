/**
 * A TCP proxy in front of a real MySQL / MariaDB that drops the connection right after authentication, as a
 * server restart, a failover or KILL does once a client is in: it forwards bytes both ways and, once the server
 * has sent the OK packet that ends the handshake, resets both sockets (RST) on the client's next bytes, its
 * first statement (COM_QUERY).
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** The first byte of an OK packet's payload. */
const OK = 0x00;

export interface DropProxy {
  /** The URL of the proxied server: `url` with the proxy's address. */
  url: string;
  /** Connections dropped so far. */
  readonly drops: number;
  close(): Promise<void>;
}

export async function dropAfterHandshakeProxy(url: string): Promise<DropProxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let drops = 0;
  const listener = createServer((client) => {
    const server = connect(Number(target.port), target.hostname);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Resets and the peer going away are what this proxy is for.
      socket.on('error', () => undefined);
    }
    // Server packets: a 3-byte little-endian payload length, a sequence id, the payload. The first is the
    // greeting; the first OK after it ends the handshake (after any auth switch or extra auth data).
    let pending = Buffer.alloc(0);
    let packets = 0;
    let ready = false;
    server.on('data', (chunk: Buffer) => {
      client.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      while (!ready && pending.length >= 4) {
        const end = 4 + pending.readUIntLE(0, 3);
        if (pending.length < end) break;
        packets += 1;
        ready = packets > 1 && pending[4] === OK;
        pending = pending.subarray(end);
      }
    });
    client.on('data', (chunk: Buffer) => {
      if (!ready) {
        server.write(chunk);
        return;
      }
      drops += 1;
      client.resetAndDestroy();
      server.resetAndDestroy();
    });
    client.on('end', () => server.end());
    server.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.host = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
  return {
    url: proxied.toString(),
    get drops() {
      return drops;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}
