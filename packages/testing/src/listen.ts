import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts a test double's HTTP server on a random loopback port; returns its
 * base URL and a `stop` that also drops kept-alive connections.
 */
export async function listenLocal(server: Server): Promise<{ url: string; stop: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
