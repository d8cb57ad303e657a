import request from 'supertest';
import WebSocket from 'ws';
import { api as ironmq } from '../helpers/http';
import { deref, openApiDocument } from '../helpers/openapi';
import { TOKEN, type TestServer } from '../helpers/server';
import { cq, login, startCq } from './cq';

/**
 * GET /api/subscribe/:consumerId with Upgrade: websocket: a `ws` client gets the same strings as the SSE
 * stream, each new message id and `pendingCount:<n>` on open and at every heartbeat.
 */

interface Stream {
  ws: WebSocket;
  messages: string[];
  closed: Promise<number>;
  /** Resolves with the first message (from index `from`) that matches. */
  next(match: (message: string) => boolean, from?: number): Promise<string>;
}

function open(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers });
    const messages: string[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (data) => {
      messages.push((data as Buffer).toString('utf8'));
      waiters.splice(0).forEach((wake) => wake());
    });
    const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        messages,
        closed,
        next: (match, from = 0) =>
          new Promise((done) => {
            const check = () => {
              const found = messages.slice(from).find(match);
              if (found !== undefined) done(found);
              else waiters.push(check);
            };
            check();
          }),
      }),
    );
  });
}

let server: TestServer;
let token: string;
let api: ReturnType<typeof cq>;
beforeAll(async () => {
  server = await startCq();
  token = await login(server);
  api = cq(server, token);
  await api.post('/api/consumer/create', { consumerId: 'ws', topics: 'ws/#' });
  await api.post('/api/consumer/create', { consumerId: 'other' });
});
afterAll(() => server.destroy());

test('a ws client gets pendingCount on open, every new id (REST, topic, IronMQ) and heartbeats', async () => {
  await api.post('/api/msg/push/consumer', { consumerId: 'ws', messageString: 'before' });
  const stream = await open(server, '/api/subscribe/ws', { Authorization: `Bearer ${token}` });
  try {
    expect(await stream.next(() => true)).toBe('pendingCount:1');
    const direct = (await api.post('/api/msg/push/consumer', { consumerId: 'ws', messageString: 'a' }))
      .headers['x-message-ids'] as string;
    const routed = (await api.post('/api/msg/push/topic', { topicString: 'ws/x', messageString: 'b' }))
      .headers['x-message-ids'] as string;
    const posted = (
      (
        await ironmq(server)
          .post('/queues/ws/messages')
          .send({ messages: [{ body: 'c' }] })
      ).body as {
        ids: string[];
      }
    ).ids;
    await api.post('/api/msg/push/consumer', { consumerId: 'other', messageString: 'elsewhere' });
    await stream.next((m) => m === posted[0]);

    server.clock.advance(60_000);
    await server.subscriptions.heartbeat();
    expect(await stream.next((m) => m === 'pendingCount:4', 1)).toBe('pendingCount:4');
    expect(stream.messages).toEqual(['pendingCount:1', direct, routed, posted[0], 'pendingCount:4']);
    // The heartbeat kept the consumer alive.
    const info = (await api.get('/api/consumer/info/ws')).body as { lastActive: string };
    expect(info.lastActive).toBe(new Date(server.clock.now()).toISOString());
  } finally {
    stream.ws.close();
    await stream.closed;
  }
});

test('an IronMQ token in ?oauth= (what a browser can send) works; many clients on one consumer each get every id', async () => {
  const streams = await Promise.all([
    open(server, `/api/subscribe/other?oauth=${TOKEN}`),
    open(server, '/api/subscribe/other/', { Authorization: `OAuth ${TOKEN}` }),
  ]);
  try {
    await Promise.all(streams.map((s) => s.next((m) => m.startsWith('pendingCount:'))));
    const id = (await api.post('/api/msg/push/consumer', { consumerId: 'other', messageString: 'x' }))
      .headers['x-message-ids'] as string;
    await Promise.all(streams.map((s) => s.next((m) => m === id)));
  } finally {
    streams.forEach((s) => s.ws.close());
  }
});

test('destroying the consumer closes its WebSockets (1000) at the next heartbeat', async () => {
  await api.post('/api/consumer/create', { consumerId: 'doomed' });
  const stream = await open(server, '/api/subscribe/doomed', { Authorization: `Bearer ${token}` });
  await stream.next(() => true);
  await api.post('/api/consumer/destroy', { consumerId: 'doomed' });
  await server.subscriptions.heartbeat();
  expect(await stream.closed).toBe(1000);
});

/** The texts openapi.yaml lists for a status of the subscribe route. */
function documentedTexts(status: number): string[] {
  const operation = openApiDocument().paths['/api/subscribe/{consumerId}']!.get!;
  const { value } = deref(operation.responses[String(status)]!, '/subscribe');
  const schema = (value as { content: Record<string, { schema: { enum?: string[]; const?: string } }> })
    .content['text/plain; charset=utf-8']!.schema;
  return schema.enum ?? [schema.const!];
}

describe('refused before the upgrade, with the /api answers (as documented)', () => {
  const upgrade = (path: string) =>
    request(server.url)
      .get(path)
      .set('Connection', 'Upgrade')
      .set('Upgrade', 'websocket')
      .set('Sec-WebSocket-Version', '13')
      .set('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==');

  test.each([
    ['no token', '/api/subscribe/ws', {}, 400, 'Missing or malformed JWT'],
    [
      'a bad login token',
      '/api/subscribe/ws',
      { Authorization: 'Bearer x.y.z' },
      401,
      'Invalid or expired JWT',
    ],
    ['an unknown IronMQ token', '/api/subscribe/ws?oauth=nope-nope-nope-nope', {}, 401, 'Unauthorized'],
    ['an unknown consumer', `/api/subscribe/nobody?oauth=${TOKEN}`, {}, 400, '001:incorrect_consumer_id'],
    ['a malformed id', `/api/subscribe/%E0%A4%A?oauth=${TOKEN}`, {}, 400, '001:incorrect_consumer_id'],
  ])('%s', async (_name, path, headers, status, text) => {
    let req = upgrade(path);
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    const res = await req;
    expect([res.status, res.headers['content-type'], res.text]).toEqual([
      status,
      'text/plain; charset=utf-8',
      text,
    ]);
    expect(documentedTexts(status)).toContain(text);
  });

  test('a ws client sees the refusal as an unexpected response', async () => {
    await expect(open(server, '/api/subscribe/nobody', { Authorization: `Bearer ${token}` })).rejects.toThrow(
      'refused: 400',
    );
  });
});

test('an Upgrade to anything else is served as a plain request (curl --http2 sends Upgrade: h2c)', async () => {
  const res = await request(server.url)
    .get('/healthz')
    .set('Connection', 'Upgrade, HTTP2-Settings')
    .set('Upgrade', 'h2c');
  expect([res.status, res.body]).toEqual([200, expect.objectContaining({ status: 'ok' })]);
  const sse = await request(server.url)
    .get('/api/subscribe/ws')
    .set('Upgrade', 'h2c')
    .set('Connection', 'Upgrade')
    .set('Authorization', `Bearer ${token}`)
    .buffer(false)
    .parse((res, done) => {
      res.once('data', (chunk: Buffer) => {
        done(null, chunk.toString());
        (res as unknown as { destroy(): void }).destroy();
      });
    });
  expect(sse.headers['content-type']).toBe('text/event-stream');
});

test('shutdown closes open WebSockets (1001) instead of waiting for them', async () => {
  const own = await startCq({ FERRITE_SHUTDOWN_GRACE_MS: '10000' });
  try {
    const stream = await open(own, `/api/subscribe/x`, {}).catch(() => null);
    expect(stream).toBeNull();
    const t = await login(own);
    await cq(own, t).post('/api/consumer/create', { consumerId: 'x' });
    const live = await open(own, '/api/subscribe/x', { Authorization: `Bearer ${t}` });
    await live.next(() => true);
    const started = performance.now();
    await own.stop();
    expect(performance.now() - started).toBeLessThan(3000);
    expect(await live.closed).toBe(1001);
  } finally {
    await own.destroy();
  }
});
