import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import { api as ironmq } from '../helpers/http';
import type { TestServer } from '../helpers/server';
import { cq, login, startCq } from './cq';

/**
 * /api/subscribe/:consumerId as Server-Sent Events: each new message id of the consumer, and
 * `pendingCount:<n>` on connect and every FERRITE_SUBSCRIBE_HEARTBEAT_SECONDS (1 s here).
 */

interface Stream {
  res: IncomingMessage;
  req: ClientRequest;
  /** The `data:` payloads received so far. */
  events: string[];
  ended: Promise<void>;
  /** Resolves with the first event (from now on, or already received at index ≥ `from`) matching. */
  next(match: (event: string) => boolean, from?: number): Promise<string>;
}

function open(server: TestServer, token: string, consumerId: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = get(
      `${server.url}/api/subscribe/${consumerId}`,
      { headers: { Authorization: `Bearer ${token}` } },
      (res) => {
        const events: string[] = [];
        const waiters: { match: (event: string) => boolean; resolve: (event: string) => void }[] = [];
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end).replace(/^data: /, '');
            buffer = buffer.slice(end + 2);
            events.push(event);
            for (const waiter of [...waiters]) {
              if (waiter.match(event)) {
                waiters.splice(waiters.indexOf(waiter), 1);
                waiter.resolve(event);
              }
            }
          }
        });
        const ended = new Promise<void>((done) => res.on('close', done));
        resolve({
          res,
          req,
          events,
          ended,
          next: (match, from = events.length) => {
            const seen = events.slice(from).find(match);
            if (seen !== undefined) return Promise.resolve(seen);
            return new Promise((done) => waiters.push({ match, resolve: done }));
          },
        });
      },
    );
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GET /api/subscribe/:consumerId', () => {
  let server: TestServer;
  let token: string;
  let api: ReturnType<typeof cq>;
  beforeAll(async () => {
    server = await startCq({ FERRITE_SUBSCRIBE_HEARTBEAT_SECONDS: '1' });
    token = await login(server);
    api = cq(server, token);
    await api.post('/api/consumer/create', { consumerId: 'live', topics: 'live/#' });
    await api.post('/api/consumer/create', { consumerId: 'other' });
  });
  afterAll(() => server.destroy());

  test('streams ids as they are posted, from /api, topics and IronMQ, and pendingCount heartbeats', async () => {
    await api.post('/api/msg/push/consumer', { consumerId: 'live', messageString: 'before' });
    const stream = await open(server, token, 'live');
    try {
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toBe('text/event-stream');
      expect(await stream.next((e) => e.startsWith('pendingCount:'), 0)).toBe('pendingCount:1');

      const direct = (await api.post('/api/msg/push/consumer', { consumerId: 'live', messageString: 'a' }))
        .headers['x-message-ids'] as string;
      expect(await stream.next((e) => e === direct, 0)).toBe(direct);
      const routed = (await api.post('/api/msg/push/topic', { topicString: 'live/x', messageString: 'b' }))
        .headers['x-message-ids'] as string;
      expect(await stream.next((e) => e === routed, 0)).toBe(routed);
      const posted = await ironmq(server)
        .post('/queues/live/messages')
        .send({ messages: [{ body: 'c' }, { body: 'd' }] });
      for (const id of posted.body.ids as string[]) expect(await stream.next((e) => e === id, 0)).toBe(id);
      // Another consumer's messages are not sent.
      const elsewhere = (
        await api.post('/api/msg/push/consumer', { consumerId: 'other', messageString: 'x' })
      ).headers['x-message-ids'] as string;

      expect(await stream.next((e) => e === 'pendingCount:5')).toBe('pendingCount:5');
      expect(stream.events).not.toContain(elsewhere);
      expect(stream.events.filter((e) => !e.startsWith('pendingCount:'))).toEqual([
        direct,
        routed,
        ...(posted.body.ids as string[]),
      ]);
    } finally {
      stream.req.destroy();
    }
  });

  test('an open stream keeps the consumer alive; once closed, its heartbeat stops', async () => {
    const lastActive = async () =>
      ((await api.get('/api/consumer/info/other')).body as { lastActive: string }).lastActive;
    const stream = await open(server, token, 'other');
    await stream.next((e) => e.startsWith('pendingCount:'), 0);
    server.clock.advance(60_000);
    const marked = new Date(server.clock.now()).toISOString();
    await stream.next((e) => e.startsWith('pendingCount:'));
    expect(await lastActive()).toBe(marked);

    stream.req.destroy();
    await stream.ended;
    server.clock.advance(60_000);
    await sleep(1100);
    expect(await lastActive()).toBe(marked);
  });

  test('destroying the consumer ends its stream at the next heartbeat', async () => {
    await api.post('/api/consumer/create', { consumerId: 'doomed' });
    const stream = await open(server, token, 'doomed');
    await stream.next((e) => e.startsWith('pendingCount:'), 0);
    await api.post('/api/consumer/destroy', { consumerId: 'doomed' });
    await stream.ended;
  });

  test('refused before streaming: an unknown consumer (001) or no token', async () => {
    expect((await api.get('/api/subscribe/nope')).text).toBe('001:incorrect_consumer_id');
    const res = await api.raw.get('/api/subscribe/live');
    expect([res.status, res.text]).toEqual([400, 'Missing or malformed JWT']);
  });
});

test('shutdown ends open streams instead of waiting for them', async () => {
  const server = await startCq({
    FERRITE_SUBSCRIBE_HEARTBEAT_SECONDS: '1',
    FERRITE_SHUTDOWN_GRACE_MS: '10000',
  });
  try {
    const token = await login(server);
    await cq(server, token).post('/api/consumer/create', { consumerId: 's' });
    const streams = await Promise.all([open(server, token, 's'), open(server, token, 's')]);
    await Promise.all(streams.map((s) => s.next((e) => e.startsWith('pendingCount:'), 0)));
    const started = performance.now();
    await server.stop();
    expect(performance.now() - started).toBeLessThan(2000);
    await Promise.all(streams.map((s) => s.ended));
  } finally {
    await server.destroy();
  }
});
