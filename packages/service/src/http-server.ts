import type { Server } from 'node:http';

/**
 * Stops an HTTP server gracefully: no new connections, every in-flight request answered, and each
 * keep-alive connection closed after its current response (`Connection: close`), so that busy
 * keep-alive clients cannot hold the shutdown open. Resolves when the last connection is gone.
 */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.prependListener('request', (_req, res) => {
      if (!res.headersSent) res.setHeader('connection', 'close');
    });
    // A connection becomes idle only after its response is flushed; sweep until all are gone.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close((error) => {
      clearInterval(sweep);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
