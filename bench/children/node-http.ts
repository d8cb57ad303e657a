import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, serveParent } from '../lib/parent';

/**
 * Request ceiling 1: a bare node:http server doing the least any JSON queue server must do per POST: read the
 * body, parse it, serialize an answer of the same shape as Ferrite's, and send it with a Content-Length.
 */
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let status = 201;
    let answer: unknown;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: unknown[] };
      answer = { ids: body.messages.map((_, i) => String(i + 1)), msg: 'Messages put on queue.' };
    } catch {
      status = 400;
      answer = { msg: 'Bad request' };
    }
    const payload = Buffer.from(JSON.stringify(answer), 'utf8');
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', payload.length);
    res.end(payload);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  serveParent({}, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  announceReady({ port: (server.address() as AddressInfo).port });
});
