import request from 'supertest';
import { CQ_PASS, CQ_USER, startCq } from './cq';

/** The README's curl walk-through, step by step, with the outputs it shows. */
test('the README walk-through: login, create on orders/#, push to orders/eu/1, pull, complete, counts', async () => {
  const server = await startCq();
  try {
    const http = request(server.url);
    const login = await http.post('/login').field('Username', CQ_USER).field('Password', CQ_PASS);
    const auth = `Bearer ${(login.body as { token: string }).token}`;

    const created = await http
      .post('/api/consumer/create')
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send('{"consumerId":"orders-eu","topics":"orders/#","concurrency":2}');
    expect(created.text).toBe('"Created:orders-eu"');

    const pushed = await http
      .post('/api/msg/push/topic')
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send('{"topicString":"orders/eu/1","messageString":"{\\"order\\":1}"}');
    expect([pushed.status, pushed.headers['x-message-ids'], pushed.text]).toEqual([200, '1', '"Ok"']);

    server.clock.advance(5000);
    const pulled = await http.get('/api/msg/pull/orders-eu').set('Authorization', auth);
    expect(pulled.text).toBe(
      '{"key":"1","topic":"orders/eu/1","value":"{\\"order\\":1}","status":"active",' +
        '"statusHistory":{"active_at":"2026-01-01T00:00:05.000Z","created_at":"2026-01-01T00:00:00.000Z"}}',
    );

    const completed = await http
      .post('/api/msg/complete')
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send('{"consumerId":"orders-eu","messageId":"1"}');
    expect(completed.text).toBe('Ok');

    const counts = await http.get('/api/msg/counts/orders-eu').set('Authorization', auth);
    expect(counts.text).toBe('{"active":0,"completed":1,"delayed":0,"failed":0,"pending":0}');
  } finally {
    await server.destroy();
  }
});
