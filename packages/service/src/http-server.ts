import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

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

/**
 * Node answers requests it cannot parse (bad request line, headers too large) itself, before any
 * express code runs, with an empty body. This answers them as problem+json like every other
 * refusal: 431 for oversized headers, 400 otherwise.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify({
      type: `urn:tally:problem:${tooLarge ? 'headers-too-large' : 'bad-request'}`,
      title: tooLarge ? 'Request header fields too large' : 'Bad request',
      status,
      code: tooLarge ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST',
      detail: tooLarge
        ? 'the request headers are larger than the server accepts'
        : 'the request is not valid HTTP/1.1',
    });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
}
