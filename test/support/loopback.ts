// A test server on 127.0.0.1 (the only network the tests use): an ephemeral port, and a close() that does not wait
// for idle keep-alive or half-read connections (they are destroyed first, so a test's afterAll never hangs).
import type * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export async function listenOnLoopback(server: http.Server): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
