import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { createMetrics } from '../../src/http/observability/metrics';
import { createLogger } from '../../src/log';
import { runOnce as expireOnce } from '../../src/worker/jobs/expiry';
import { api, q } from '../helpers/http';
import { startServer, type TestServer } from '../helpers/server';
import { parsePrometheusText, type Scrape } from './prometheus-text';

let server: TestServer;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer();
  http = api(server);
});
afterAll(() => server.destroy());

async function scrape(url = server.url): Promise<Scrape> {
  const res = await request(url).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(res.text);
}

const MESSAGES_ROUTE = '/3/projects/:projectId/queues/:queue/messages';

describe('GET /metrics', () => {
  test('is Prometheus text with every Ferrite metric declared, unauthenticated', async () => {
    const metrics = await scrape();
    const expected: Record<string, string> = {
      ferrite_http_requests_total: 'counter',
      ferrite_http_request_duration_seconds: 'histogram',
      ferrite_messages_posted_total: 'counter',
      ferrite_messages_reserved_total: 'counter',
      ferrite_messages_deleted_total: 'counter',
      ferrite_messages_expired_total: 'counter',
      ferrite_messages_dead_lettered_total: 'counter',
      ferrite_queue_clears_total: 'counter',
      ferrite_push_deliveries_total: 'counter',
      ferrite_queue_messages: 'gauge',
      ferrite_queue_messages_in_flight: 'gauge',
      ferrite_queues: 'gauge',
      ferrite_long_poll_waiters: 'gauge',
      ferrite_store_file_bytes: 'gauge',
      ferrite_metrics_labelled_queues: 'gauge',
      ferrite_metrics_labelled_queues_limit: 'gauge',
      // prom-client's process metrics, from this app's own registry.
      process_resident_memory_bytes: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) {
      expect([name, metrics.types.get(name)]).toEqual([name, type]);
      expect([name, (metrics.help.get(name) ?? '').length > 0]).toEqual([name, true]);
    }
    expect(metrics.sum('ferrite_metrics_labelled_queues_limit')).toBe(100);
  });

  test('message counters and the queue depth move with known traffic', async () => {
    const queue = 'metrics jobs';
    const before = await scrape();
    const labels = { project: server.projectId, queue };
    expect(before.find('ferrite_messages_posted_total', labels)).toEqual([]);

    const posted = await http
      .post(`/queues/${q(queue)}/messages`)
      .send({ messages: [{ body: 'a' }, { body: 'b' }, { body: 'c' }, { body: 'd' }, { body: 'e' }] });
    expect(posted.status).toBe(201);
    const reserved = await http.post(`/queues/${q(queue)}/reservations`).send({ n: 3, timeout: 30 });
    expect(reserved.body.messages).toHaveLength(3);
    const [first, second] = reserved.body.messages as { id: string; reservation_id: string }[];
    await http
      .delete(`/queues/${q(queue)}/messages/${first!.id}`)
      .send({ reservation_id: first!.reservation_id });
    await http
      .delete(`/queues/${q(queue)}/messages`)
      .send({ ids: [{ id: second!.id, reservation_id: second!.reservation_id }] });

    const after = await scrape();
    expect(after.sum('ferrite_messages_posted_total', labels)).toBe(5);
    expect(after.sum('ferrite_messages_reserved_total', labels)).toBe(3);
    expect(after.sum('ferrite_messages_deleted_total', labels)).toBe(2);
    // Depth is read from the store on scrape: 5 posted, 2 deleted; the third reserved one still counts.
    expect(after.sum('ferrite_queue_messages', labels)).toBe(3);
    expect(after.sum('ferrite_queues')).toBeGreaterThanOrEqual(1);

    await http.delete(`/queues/${q(queue)}/messages`).send({});
    const cleared = await scrape();
    expect(cleared.sum('ferrite_queue_clears_total', labels)).toBe(1);
    expect(cleared.sum('ferrite_queue_messages', labels)).toBe(0);
  });

  test('expired and dead-lettered messages are counted on the queue they left', async () => {
    const expiring = 'metrics-expiring';
    await http.put(`/queues/${expiring}`).send({ queue: { message_expiration: 60 } });
    await http.post(`/queues/${expiring}/messages`).send({ messages: [{ body: 'x' }, { body: 'y' }] });
    server.clock.advance(61_000);
    expect(await expireOnce({ store: server.store, events: server.engine.events }, server.clock.now())).toBe(
      2,
    );

    const source = 'metrics-poison';
    await http
      .put(`/queues/${source}`)
      .send({ queue: { dead_letter: { queue_name: 'metrics-dlq', max_reservations: 1 } } });
    await http.post(`/queues/${source}/messages`).send({ messages: [{ body: 'poison' }] });
    expect(
      (await http.post(`/queues/${source}/reservations`).send({ timeout: 10 })).body.messages,
    ).toHaveLength(1);
    server.clock.advance(10_000);
    expect((await http.post(`/queues/${source}/reservations`).send({ timeout: 10 })).body.messages).toEqual(
      [],
    );

    const metrics = await scrape();
    const project = server.projectId;
    expect(metrics.sum('ferrite_messages_expired_total', { project, queue: expiring })).toBe(2);
    expect(metrics.sum('ferrite_messages_dead_lettered_total', { project, queue: source })).toBe(1);
    expect(metrics.sum('ferrite_queue_messages', { project, queue: 'metrics-dlq' })).toBe(1);
  });

  test('requests are counted and timed by route template and status, never by raw URL', async () => {
    const queue = 'route-label-check';
    const before = await scrape();
    const where = { method: 'POST', route: MESSAGES_ROUTE, status: '201' };
    const countBefore = before.sum('ferrite_http_requests_total', where);

    for (let i = 0; i < 3; i++) {
      await http.post(`/queues/${queue}/messages`).send({ messages: [{ body: `m${i}` }] });
    }
    await http.get(`/queues/${queue}/messages/999999`); // 404 Message not found, on a matched route
    await http.post(`/queues/${queue}/reservations`).send({ n: 1000 }); // 400 from validation
    await request(server.url).get(`/3/projects/${server.projectId}/queues`); // 401: no route reached
    await request(server.url).get('/no/such/path'); // 404: no route at all

    const after = await scrape();
    expect(after.sum('ferrite_http_requests_total', where) - countBefore).toBe(3);
    expect(after.sum('ferrite_http_request_duration_seconds_count', where) - countBefore).toBe(3);
    const buckets = after.find('ferrite_http_request_duration_seconds_bucket', where);
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(countBefore + 3);
    expect(after.sum('ferrite_http_request_duration_seconds_sum', where)).toBeGreaterThan(0);
    expect(
      after.sum('ferrite_http_requests_total', {
        method: 'GET',
        route: `${MESSAGES_ROUTE}/:messageId`,
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      after.sum('ferrite_http_requests_total', {
        method: 'POST',
        route: '/3/projects/:projectId/queues/:queue/reservations',
        status: '400',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(after.sum('ferrite_http_requests_total', { route: 'none', status: '401' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(after.sum('ferrite_http_requests_total', { route: 'none', status: '404' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      after.sum('ferrite_http_requests_total', { method: 'GET', route: '/metrics' }),
    ).toBeGreaterThanOrEqual(1);

    const routes = new Set(after.find('ferrite_http_requests_total').map((s) => s.labels.route));
    for (const route of routes) {
      expect(route).not.toContain(server.projectId);
      expect(route).not.toContain(queue);
      expect(route).not.toContain('no/such');
    }
  });

  test('a queue named like a path segment does not rename the route', async () => {
    await http.post('/queues/queues/messages').send({ messages: [{ body: 'x' }] });
    const metrics = await scrape();
    expect(
      metrics.sum('ferrite_http_requests_total', { route: MESSAGES_ROUTE, status: '201' }),
    ).toBeGreaterThan(0);
    expect(
      metrics.find('ferrite_http_requests_total').filter((s) => s.labels.route?.includes('/:queue/:')),
    ).toEqual([]);
  });

  test('parked long polls are reported while they wait', async () => {
    const queue = 'metrics-long-poll';
    await http.put(`/queues/${queue}`).send({});
    const parked = http
      .post(`/queues/${queue}/reservations`)
      .send({ n: 1, wait: 20 })
      .then((res) => res);
    let waiting = 0;
    for (let i = 0; i < 100 && waiting === 0; i++) {
      waiting = (await scrape()).sum('ferrite_long_poll_waiters');
      if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(waiting).toBe(1);
    await http.post(`/queues/${queue}/messages`).send({ messages: [{ body: 'wake up' }] });
    expect((await parked).body.messages).toHaveLength(1);
    expect((await scrape()).sum('ferrite_long_poll_waiters')).toBe(0);
  });

  test('store sizes come from the data file and its WAL', async () => {
    const metrics = await scrape();
    expect(metrics.sum('ferrite_store_file_bytes', { file: 'data' })).toBeGreaterThan(0);
    expect(metrics.find('ferrite_store_file_bytes', { file: 'wal' })).toHaveLength(1);
  });

  test('push deliveries are counted by outcome from the push events', async () => {
    const attempt = {
      projectId: server.projectId,
      queue: 'pushed',
      messageId: '1',
      subscriber: 's',
      statusCode: 200,
    };
    const before = await scrape();
    server.engine.events.emit('push:delivered', attempt);
    server.engine.events.emit('push:delivered', attempt);
    server.engine.events.emit('push:held', { ...attempt, statusCode: 202 });
    server.engine.events.emit('push:failed', { ...attempt, statusCode: 500, error: 'HTTP 500' });
    server.engine.events.emit('push:error', { ...attempt, statusCode: 500, error: 'HTTP 500' });
    const after = await scrape();
    const delta = (outcome: string) =>
      after.sum('ferrite_push_deliveries_total', { outcome }) -
      before.sum('ferrite_push_deliveries_total', { outcome });
    expect(['delivered', 'held', 'failed', 'error'].map(delta)).toEqual([2, 1, 1, 1]);
  });

  test('createMetrics has a registry of its own, and a direct hook for push attempts', async () => {
    // One more registry in the same process, as several servers in one test process have.
    const metrics = createMetrics(server.engine);
    expect(
      parsePrometheusText(await metrics.registry.metrics()).find('ferrite_push_deliveries_total'),
    ).toEqual([]);
    metrics.recordPushDelivery('delivered');
    metrics.recordPushDelivery('failed');
    const counted = parsePrometheusText(await metrics.registry.metrics());
    expect(counted.sum('ferrite_push_deliveries_total', { outcome: 'delivered' })).toBe(1);
    expect(counted.sum('ferrite_push_deliveries_total', { outcome: 'failed' })).toBe(1);
  });
});

describe('per-queue label cardinality', () => {
  test('only the first N queues with traffic get series of their own; the rest are summed as _other', async () => {
    // A second app on the same engine, with its own registry and a limit of 2.
    const app = buildApp({
      engine: server.engine,
      log: createLogger('error', true),
      maxRequestBytes: 1 << 20,
      metricsQueueLabelLimit: 2,
    });
    const listening: Server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    try {
      const names = ['card-a', 'card-b', 'card-c', 'card-d', 'card-e'];
      for (const [i, name] of names.entries()) {
        const messages = Array.from({ length: i + 1 }, (_, k) => ({ body: `${name}-${k}` }));
        expect((await http.post(`/queues/${name}/messages`).send({ messages })).status).toBe(201);
      }
      const metrics = await scrape(url);
      const project = server.projectId;
      const series = metrics.find('ferrite_messages_posted_total');
      expect(series.map((s) => s.labels.queue).sort()).toEqual(['_other', 'card-a', 'card-b']);
      expect(metrics.sum('ferrite_messages_posted_total', { project, queue: 'card-a' })).toBe(1);
      expect(metrics.sum('ferrite_messages_posted_total', { project, queue: 'card-b' })).toBe(2);
      expect(metrics.sum('ferrite_messages_posted_total', { project: '_other', queue: '_other' })).toBe(
        3 + 4 + 5,
      );
      expect(metrics.sum('ferrite_metrics_labelled_queues')).toBe(2);
      expect(metrics.sum('ferrite_metrics_labelled_queues_limit')).toBe(2);

      // Depth: every other queue of the store (earlier tests' too) is summed into _other.
      const depth = metrics.find('ferrite_queue_messages');
      expect(depth.map((s) => s.labels.queue).sort()).toEqual(['_other', 'card-a', 'card-b']);
      const queues = await server.store.listQueues(project, { prefix: '', after: '', limit: 1000 });
      expect(metrics.sum('ferrite_queue_messages')).toBe(queues.reduce((sum, queue) => sum + queue.size, 0));
      expect(metrics.sum('ferrite_queues')).toBe(queues.length);

      // The first app keeps counting these queues under their own names: registries are per app.
      const main = await scrape();
      expect(main.sum('ferrite_messages_posted_total', { project, queue: 'card-e' })).toBe(5);
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });
});
