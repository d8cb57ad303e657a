import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { createLogger } from '../../src/log';
import { api } from '../helpers/http';
import { startServer, type TestServer } from '../helpers/server';
import { parsePrometheusText, type Scrape } from './prometheus-text';

/**
 * ferrite_queue_oldest_message_age_seconds, ferrite_queue_dead_letter_messages and
 * ferrite_messages_redriven_total against a real server and real traffic.
 */

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
  return parsePrometheusText(res.text);
}

test('the age of the oldest message and the dead letters per source queue follow the traffic', async () => {
  const project = server.projectId;
  const at = (queue: string) => ({ project, queue });
  await http
    .put('/queues/orders')
    .send({ queue: { dead_letter: { queue_name: 'orders-dead', max_reservations: 1 } } })
    .expect(200);
  await http.put('/queues/idle').send({}).expect(200);
  // Three orders fail (reserved once, timed out, moved to orders-dead) ...
  await http
    .post('/queues/orders/messages')
    .send({ messages: [{ body: 'o1' }, { body: 'o2' }, { body: 'o3' }] })
    .expect(201);
  await http.post('/queues/orders/reservations').send({ n: 3, timeout: 1 }).expect(200);
  server.clock.advance(90_000);
  await http.post('/queues/orders/reservations').send({ n: 1 }).expect(200);
  // ... and a new one is posted 90 s after them, and reserved (a reserved message counts as not yet deleted).
  await http
    .post('/queues/orders/messages')
    .send({ messages: [{ body: 'o4' }] })
    .expect(201);
  await http.post('/queues/orders/reservations').send({ n: 1, timeout: 600 }).expect(200);
  server.clock.advance(30_000);

  let metrics = await scrape();
  expect(metrics.types.get('ferrite_queue_oldest_message_age_seconds')).toBe('gauge');
  expect(metrics.types.get('ferrite_queue_dead_letter_messages')).toBe('gauge');
  expect(metrics.types.get('ferrite_messages_redriven_total')).toBe('counter');
  expect(metrics.sum('ferrite_queue_oldest_message_age_seconds', at('orders'))).toBe(30);
  expect(metrics.sum('ferrite_queue_oldest_message_age_seconds', at('orders-dead'))).toBe(120);
  expect(metrics.sum('ferrite_queue_oldest_message_age_seconds', at('idle'))).toBe(0);
  expect(metrics.sum('ferrite_queue_dead_letter_messages', at('orders'))).toBe(3);
  expect(metrics.sum('ferrite_queue_dead_letter_messages', at('orders-dead'))).toBe(0);

  // Two go back: they are no dead letters any more, and orders' oldest message is 120 s old again.
  await http.post('/queues/orders-dead/redrive').send({ n: 2 }).expect(200);
  metrics = await scrape();
  expect(metrics.sum('ferrite_queue_dead_letter_messages', at('orders'))).toBe(1);
  expect(metrics.sum('ferrite_messages_redriven_total', at('orders-dead'))).toBe(2);
  expect(metrics.sum('ferrite_queue_oldest_message_age_seconds', at('orders'))).toBe(120);
  // Deleting the last dead letter leaves none.
  await http.delete('/queues/orders-dead/messages').send({}).expect(200);
  metrics = await scrape();
  expect(metrics.sum('ferrite_queue_dead_letter_messages', at('orders'))).toBe(0);
  expect(metrics.sum('ferrite_queue_oldest_message_age_seconds', at('orders-dead'))).toBe(0);
});

test('only queues with series of their own get these gauges (the label limit), never _other', async () => {
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
    for (const name of ['lim-a', 'lim-b', 'lim-c']) {
      await http
        .post(`/queues/${name}/messages`)
        .send({ messages: [{ body: name }] })
        .expect(201);
    }
    const metrics = await scrape(url);
    const labelled = metrics.find('ferrite_queue_oldest_message_age_seconds').map((s) => s.labels.queue);
    expect(labelled.sort()).toEqual(['lim-a', 'lim-b']);
    expect(
      metrics
        .find('ferrite_queue_dead_letter_messages')
        .map((s) => s.labels.queue)
        .sort(),
    ).toEqual(['lim-a', 'lim-b']);
  } finally {
    await new Promise((resolve) => listening.close(resolve));
  }
});
