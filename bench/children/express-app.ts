import express from 'express';
import type { AddressInfo } from 'node:net';
import { announceReady, serveParent } from '../lib/parent';

/**
 * Request ceiling 2: the smallest Express 5 app that answers Ferrite's post route the way Ferrite does: the body
 * read raw with a size limit (express.raw, any Content-Type) and parsed with JSON.parse, one route with the same
 * path parameters, the answer serialized per request with an explicit Content-Length. No auth, no validation,
 * no store: what is left is Express's own per-request cost.
 */
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.raw({ type: () => true, limit: 8 * 1024 * 1024 }));
app.post('/3/projects/:projectId/queues/:queue/messages', (req, res) => {
  const body = JSON.parse((req.body as Buffer).toString('utf8')) as { messages: unknown[] };
  const payload = Buffer.from(
    JSON.stringify({ ids: body.messages.map((_, i) => String(i + 1)), msg: 'Messages put on queue.' }),
    'utf8',
  );
  res.statusCode = 201;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
});

const server = app.listen(0, '127.0.0.1', () => {
  server.keepAliveTimeout = 30_000;
  serveParent({ cpuUsage: () => process.cpuUsage() }, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  announceReady({ port: (server.address() as AddressInfo).port });
});
