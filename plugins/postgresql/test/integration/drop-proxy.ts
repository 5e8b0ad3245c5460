/**
 * A TCP proxy in front of a real PostgreSQL that drops the connection right after authentication, as a server
 * restart, a failover or pg_terminate_backend does once a client is in: it forwards bytes both ways and, once
 * the server has said ReadyForQuery, resets both sockets (RST) on the client's next bytes, its first query.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** ReadyForQuery: 'Z', then its length (5) as an int32; the transaction status byte follows. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

export interface DropProxy {
  /** The URL of the proxied server: `url` with the proxy's address. */
  url: string;
  /** Connections dropped so far. */
  readonly drops: number;
  close(): Promise<void>;
}

export async function dropAfterReadyProxy(url: string): Promise<DropProxy> {
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
    let tail = Buffer.alloc(0);
    let ready = false;
    server.on('data', (chunk: Buffer) => {
      // With the previous chunk's last bytes, for a message split across chunks.
      const window = Buffer.concat([tail, chunk]);
      ready ||= window.includes(READY_FOR_QUERY);
      tail = window.subarray(-(READY_FOR_QUERY.length - 1));
      client.write(chunk);
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
