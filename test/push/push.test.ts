import { runOnce as expireOnce } from '../../src/worker/jobs/expiry';
import { q } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { refusedUrl, startReceiver, type Receiver, type Reply } from '../helpers/receiver';
import { startServer, tempDir, type TestServer } from '../helpers/server';
import { EventLog, PUSH_ENV, SECOND, fresh, pushApi, type PushApi } from './push-kit';

/**
 * Push queues (spec §2, §4): real receivers on 127.0.0.1 answer as scripted; retries are driven by the fake
 * clock and `server.push.drain()`, first attempts start on their own after a post and are awaited as events.
 */

let server: TestServer;
let push: PushApi;
let events: EventLog;
const receivers: Receiver[] = [];

async function receiver(...replies: Reply[]): Promise<Receiver> {
  const started = await startReceiver({ replies });
  receivers.push(started);
  return started;
}

beforeAll(async () => {
  server = await startServer({ env: PUSH_ENV });
  push = pushApi(server);
  events = new EventLog(server);
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(() => server.destroy());

const iso = (ms: number) => new Date(ms).toISOString();
const HEX32 = /^[0-9a-f]{32}$/;

/** Waits until every subscriber of the message is done (delivered or out of retries). */
const completed = (messageId: string) => events.wait('push:completed', (e) => e.messageId === messageId);

describe('delivery', () => {
  test('a multicast message is POSTed to every subscriber, each delivery recorded as deleted with 200', async () => {
    const [a, b] = [await receiver(), await receiver()];
    const queue = fresh('multi');
    await push.createPushQueue(queue, [
      { name: 'a', url: a.url() },
      { name: 'b', url: b.url() },
    ]);
    const [id] = await push.post(queue, 'fan out');
    await completed(id!);

    for (const r of [a, b]) {
      expect(r.requests).toHaveLength(1);
      expect(r.requests[0]).toMatchObject({ method: 'POST', path: '/push', body: 'fan out' });
    }
    const statuses = await push.statuses(queue, id!);
    expect(statuses).toEqual([
      expect.objectContaining({ name: 'a', url: a.url(), status: 'deleted', status_code: 200, tries: 1 }),
      expect.objectContaining({ name: 'b', url: b.url(), status: 'deleted', status_code: 200, tries: 1 }),
    ]);
    expect(statuses[0]!.last_try_at).toBe(iso(server.clock.now()));
    // A delivered push message leaves the queue's size.
    expect(await push.info(queue)).toMatchObject({ size: 0, total_messages: 1 });
  });

  test('a unicast message goes to the first subscriber only when it answers 200', async () => {
    const [a, b] = [await receiver(), await receiver()];
    const queue = fresh('uni');
    await push.createPushQueue(
      queue,
      [
        { name: 'a', url: a.url() },
        { name: 'b', url: b.url() },
      ],
      { type: 'unicast' },
    );
    const ids = await push.post(queue, 'one', 'two');
    for (const id of ids) await completed(id);
    expect(a.requests.map((r) => r.body)).toEqual(['one', 'two']);
    expect(b.requests).toEqual([]);
    expect(await push.statusOf(queue, ids[0]!, 'a')).toMatchObject({ status: 'deleted', status_code: 200 });
    expect(await push.statusOf(queue, ids[0]!, 'b')).toMatchObject({ tries: 0 });
  });

  test('the body is sent raw, byte for byte, whatever it looks like', async () => {
    const r = await receiver();
    const queue = fresh('raw');
    await push.createPushQueue(queue, [{ name: 'r', url: r.url('/hook?x=1&y=two') }]);
    const bodies = ['{"json":true,"n":[1,2]}', 'héllo wörld ✓ 🚀', '', 'a=1&b=2', 'line1\nline2\r\n'];
    const ids = await push.post(queue, ...bodies);
    for (const id of ids) await completed(id);
    expect(r.requests.map((req) => req.body).sort()).toEqual([...bodies].sort());
    expect(r.requests.every((req) => req.path === '/hook?x=1&y=two')).toBe(true);
    const unicode = r.requests.find((req) => req.body.startsWith('h'))!;
    expect(unicode.headers['content-length']).toBe(String(Buffer.byteLength('héllo wörld ✓ 🚀')));
  });
});

describe('headers', () => {
  test('a delivery carries User-Agent, Content-Type and the Iron-* headers', async () => {
    const r = await receiver();
    const queue = fresh('hdr plain');
    await push.createPushQueue(queue, [{ name: 'first', url: r.url() }]);
    const [id] = await push.post(queue, 'x');
    await completed(id!);
    const { headers } = r.requests[0]!;
    expect(headers['user-agent']).toBe('IronMQ Pusherd');
    expect(headers['content-type']).toBe('text/plain; encoding=utf-8');
    expect(headers['iron-message-id']).toBe(id);
    expect(headers['iron-reservation-id']).toMatch(HEX32);
    expect(headers['iron-subscriber-name']).toBe('first');
    // The DELETE target a subscriber acknowledges with (FERRITE_PUBLIC_URL unset: localhost and the port).
    expect(headers['iron-subscriber-message-url']).toBe(
      `http://localhost:${server.port}/3/projects/${server.projectId}/queues/${encodeURIComponent(queue)}/messages/${id}`,
    );
  });

  test('subscriber headers override the defaults; message push_headers override subscriber headers; Iron-* cannot be overridden', async () => {
    const r = await receiver();
    const queue = fresh('hdr-override');
    await push.createPushQueue(queue, [
      {
        name: 's',
        url: r.url(),
        headers: {
          'content-type': 'application/json',
          'User-Agent': 'my-agent',
          'X-Both': 'from-subscriber',
          'X-Sub': 'sub',
          'Iron-Message-Id': 'forged',
        },
      },
    ]);
    const [id] = await push.post(queue, {
      body: '{}',
      push_headers: { 'X-Both': 'from-message', 'X-Msg': 'msg' },
    });
    await completed(id!);
    const { headers, rawHeaders } = r.requests[0]!;
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'my-agent',
      'x-both': 'from-message',
      'x-sub': 'sub',
      'x-msg': 'msg',
      'iron-message-id': id,
    });
    // One header per name: an override replaces, whatever the case it was written in.
    const names = rawHeaders.map(([name]) => name.toLowerCase());
    expect(names.filter((n) => n === 'content-type')).toHaveLength(1);
    expect(names.filter((n) => n === 'x-both')).toHaveLength(1);
  });
});

describe('headers the HTTP client owns', () => {
  test('subscriber headers and push_headers may not set framing headers, which would fail every delivery', async () => {
    for (const header of [
      'Content-Length',
      'transfer-encoding',
      'Connection',
      'Expect',
      'Upgrade',
      'Keep-Alive',
    ]) {
      const name = fresh('framing');
      const res = await push.http.put(`/queues/${q(name)}`).send({
        queue: {
          push: { subscribers: [{ name: 's', url: 'http://example.com/', headers: { [header]: '1' } }] },
        },
      });
      expectMatchesSpec(res);
      expect([header, res.status, res.body]).toEqual([
        header,
        400,
        { msg: `Subscriber headers may not set ${header}` },
      ]);

      const posted = await push.http
        .post(`/queues/${q(name)}/messages`)
        .send({ messages: [{ body: 'x', push_headers: { [header]: '1' } }] });
      expectMatchesSpec(posted);
      expect([header, posted.status, posted.body]).toEqual([
        header,
        400,
        { msg: `push_headers may not set ${header}` },
      ]);
    }
  });
});

describe('acknowledging a 202', () => {
  test('a 202 holds the delivery until the subscriber DELETEs the message with its reservation and name', async () => {
    const r = await receiver(202);
    const queue = fresh('ack');
    await push.createPushQueue(queue, [{ name: 'worker', url: r.url() }]);
    const [id] = await push.post(queue, 'long job');
    await events.wait('push:held', (e) => e.messageId === id);
    const reservationId = r.requests[0]!.headers['iron-reservation-id'] as string;

    expect(await push.statusOf(queue, id!, 'worker')).toMatchObject({
      status: 'reserved',
      status_code: 202,
      tries: 1,
      reservation_id: reservationId,
    });
    expect((await push.info(queue)).size).toBe(1);

    const wrong = await push.http
      .delete(`/queues/${q(queue)}/messages/${id}`)
      .send({ reservation_id: 'f'.repeat(32), subscriber_name: 'worker' });
    expectMatchesSpec(wrong);
    expect(wrong.status).toBe(403);

    const unknownSubscriber = await push.http
      .delete(`/queues/${q(queue)}/messages/${id}`)
      .send({ reservation_id: reservationId, subscriber_name: 'nobody' });
    expectMatchesSpec(unknownSubscriber);
    expect(unknownSubscriber.status).toBe(404);

    const ack = await push.http
      .delete(`/queues/${q(queue)}/messages/${id}`)
      .send({ reservation_id: reservationId, subscriber_name: 'worker' });
    expectMatchesSpec(ack);
    expect([ack.status, ack.body]).toEqual([200, { msg: 'Deleted' }]);
    await completed(id!); // the acknowledgement finished the message

    expect(await push.statusOf(queue, id!, 'worker')).toMatchObject({ status: 'deleted', status_code: 202 });
    expect((await push.info(queue)).size).toBe(0);
    // Acknowledged once is enough: the same acknowledgement again is refused.
    const again = await push.http
      .delete(`/queues/${q(queue)}/messages/${id}`)
      .send({ reservation_id: reservationId, subscriber_name: 'worker' });
    expect(again.status).toBe(403);
    // Nothing is redelivered after retries_delay.
    server.clock.advance(61 * SECOND);
    await server.push.drain();
    expect(r.requests).toHaveLength(1);
  });

  test('a 202 that is not acknowledged is redelivered after retries_delay, with a new reservation', async () => {
    const r = await receiver(202, 202);
    const queue = fresh('unacked');
    await push.createPushQueue(queue, [{ name: 'w', url: r.url() }], { retries_delay: 10 });
    const [id] = await push.post(queue, 'job');
    await events.wait('push:held', (e) => e.messageId === id);
    // A hold keeps the retry count: the redelivery, if it comes to that, uses one up.
    expect(await push.statusOf(queue, id!, 'w')).toMatchObject({
      status: 'reserved',
      tries: 1,
      retries_remaining: 3,
    });

    server.clock.advance(10 * SECOND - 1);
    await server.push.drain();
    expect(r.requests).toHaveLength(1);

    server.clock.advance(1);
    await server.push.drain();
    expect(r.requests).toHaveLength(2);
    const [first, second] = r.requests.map((req) => req.headers['iron-reservation-id']);
    expect(second).toMatch(HEX32);
    expect(second).not.toBe(first);
    expect(await push.statusOf(queue, id!, 'w')).toMatchObject({
      status: 'reserved',
      tries: 2,
      retries_remaining: 2,
      reservation_id: second,
    });

    // The first reservation no longer acknowledges; the current one does.
    const stale = await push.http
      .delete(`/queues/${q(queue)}/messages/${id}`)
      .send({ reservation_id: first, subscriber_name: 'w' });
    expectMatchesSpec(stale);
    expect(stale.status).toBe(403);
    const ack = await push.http
      .delete(`/queues/${q(queue)}/messages/${id}`)
      .send({ reservation_id: second, subscriber_name: 'w' });
    expect([ack.status, ack.body]).toEqual([200, { msg: 'Deleted' }]);
    expect(await push.statusOf(queue, id!, 'w')).toMatchObject({ status: 'deleted' });
  });

  test('a 202 on the last try can still be acknowledged within retries_delay', async () => {
    const r = await receiver(202);
    const queue = fresh('ack-last');
    await push.createPushQueue(queue, [{ name: 'w', url: r.url() }], { retries: 0 });
    const [id] = await push.post(queue, 'only chance');
    await events.wait('push:held', (e) => e.messageId === id);
    expect(await push.statusOf(queue, id!, 'w')).toMatchObject({
      status: 'reserved',
      tries: 1,
      retries_remaining: 0,
    });
    const ack = await push.http
      .delete(`/queues/${q(queue)}/messages/${id}`)
      .send({ reservation_id: r.requests[0]!.headers['iron-reservation-id'], subscriber_name: 'w' });
    expect([ack.status, ack.body]).toEqual([200, { msg: 'Deleted' }]);
    expect(await push.statusOf(queue, id!, 'w')).toMatchObject({ status: 'deleted', tries: 1 });
  });

  test('a 202 on the last try that is never acknowledged ends in error after retries_delay, not sent again', async () => {
    const r = await receiver(202, 202);
    const queue = fresh('hold-expires');
    const errors = fresh('hold-errors');
    await push.createPushQueue(queue, [{ name: 'w', url: r.url() }], {
      retries: 1,
      retries_delay: 5,
      error_queue: errors,
    });
    const t0 = server.clock.now();
    const [id] = await push.post(queue, 'ignored');
    await events.wait('push:held', (e) => e.messageId === id);
    server.clock.advance(5 * SECOND);
    await server.push.drain();
    expect(await push.statusOf(queue, id!, 'w')).toMatchObject({
      status: 'reserved',
      tries: 2,
      retries_remaining: 0,
    });
    server.clock.advance(5 * SECOND);
    await server.push.drain();
    expect(r.requests).toHaveLength(2);
    expect(await push.statusOf(queue, id!, 'w')).toEqual(
      expect.objectContaining({
        status: 'error',
        status_code: 202,
        msg: 'Not acknowledged and no retries left',
        tries: 2,
        retries_remaining: 0,
        last_try_at: iso(t0 + 5 * SECOND),
      }),
    );
    expect(events.all('push:error', (e) => e.messageId === id)).toHaveLength(1);
    const [report] = await push.reserve(errors);
    expect(JSON.parse(report!.body)).toMatchObject({
      source_msg_id: id,
      subscribers: [{ name: 'w', code: 202, msg: 'Not acknowledged and no retries left' }],
    });
    expect((await push.info(queue)).size).toBe(0);
  });
});

describe('retries and the error queue', () => {
  test('a failing subscriber is retried every retries_delay, then reported to the error queue', async () => {
    const r = await receiver();
    r.setDefault(500);
    const queue = fresh('retry');
    const errors = fresh('retry-errors');
    await push.createPushQueue(queue, [{ name: 'flaky', url: r.url() }], {
      retries: 2,
      retries_delay: 5,
      error_queue: errors,
    });
    const t0 = server.clock.now();
    const [id] = await push.post(queue, { body: 'payload', push_headers: { 'X-Trace': 't1' } });
    await events.wait('push:failed', (e) => e.messageId === id);
    expect(await push.statusOf(queue, id!, 'flaky')).toEqual({
      name: 'flaky',
      url: r.url(),
      status: 'retrying',
      status_code: 500,
      msg: 'Subscriber answered HTTP 500',
      tries: 1,
      retries_remaining: 1,
      last_try_at: iso(t0),
    });

    // Not before retries_delay …
    server.clock.advance(5 * SECOND - 1);
    await server.push.drain();
    expect(r.requests).toHaveLength(1);
    // … and exactly then.
    server.clock.advance(1);
    await server.push.drain();
    expect(r.requests).toHaveLength(2);
    expect(await push.statusOf(queue, id!, 'flaky')).toMatchObject({
      status: 'retrying',
      tries: 2,
      retries_remaining: 0,
      last_try_at: iso(t0 + 5 * SECOND),
    });
    expect((await push.http.get(`/queues/${q(errors)}`)).status).toBe(404);

    server.clock.advance(5 * SECOND);
    await server.push.drain();
    expect(r.requests).toHaveLength(3);
    expect(await push.statusOf(queue, id!, 'flaky')).toMatchObject({
      status: 'error',
      status_code: 500,
      tries: 3,
      retries_remaining: 0,
      last_try_at: iso(t0 + 10 * SECOND),
    });
    expect(events.all('push:error', (e) => e.messageId === id)).toHaveLength(1);
    expect(events.all('push:completed', (e) => e.messageId === id)).toEqual([
      expect.objectContaining({ errorQueue: errors }),
    ]);

    const [report] = await push.reserve(errors);
    expect(JSON.parse(report!.body)).toEqual({
      source_msg_id: id,
      body: 'payload',
      headers: { 'X-Trace': 't1' },
      subscribers: [{ name: 'flaky', url: r.url(), code: 500, msg: 'Subscriber answered HTTP 500' }],
    });
    expect(await push.info(queue)).toMatchObject({ size: 0 });

    // Nothing more happens afterwards.
    server.clock.advance(60 * SECOND);
    await server.push.drain();
    expect(r.requests).toHaveLength(3);
  });

  test('a refused connection and a slow subscriber (past FERRITE_PUSH_TIMEOUT_MS) count as failures', async () => {
    const slow = await receiver({ status: 200, delayMs: 1500 }, 200);
    const queue = fresh('failures');
    await push.createPushQueue(
      queue,
      [
        { name: 'refused', url: await refusedUrl() },
        { name: 'slow', url: slow.url() },
      ],
      { retries: 1, retries_delay: 3 },
    );
    const [id] = await push.post(queue, 'x');
    await events.wait('push:failed', (e) => e.messageId === id, 2);
    const statuses = await push.statuses(queue, id!);
    expect(statuses[0]).toMatchObject({ name: 'refused', status: 'retrying', msg: 'Connection refused' });
    expect(statuses[0]!.status_code).toBeUndefined();
    expect(statuses[1]).toMatchObject({ name: 'slow', status: 'retrying', tries: 1 });
    expect(statuses[1]!.msg).toMatch(/timed out/i);

    server.clock.advance(3 * SECOND);
    await server.push.drain();
    expect(await push.statusOf(queue, id!, 'slow')).toMatchObject({ status: 'deleted', tries: 2 });
    expect(await push.statusOf(queue, id!, 'refused')).toMatchObject({
      status: 'error',
      tries: 2,
      retries_remaining: 0,
    });
  });

  test('with retries 0 and no error queue, one failure ends the delivery', async () => {
    const r = await receiver(503);
    const queue = fresh('no-retry');
    await push.createPushQueue(queue, [{ name: 'once', url: r.url() }], { retries: 0 });
    const [id] = await push.post(queue, 'x');
    await completed(id!);
    expect(await push.statusOf(queue, id!, 'once')).toMatchObject({
      status: 'error',
      status_code: 503,
      tries: 1,
      retries_remaining: 0,
    });
    expect((await push.info(queue)).size).toBe(0);
  });
});

describe('push statuses', () => {
  test('a delayed message shows queued with no tries until its delay ends', async () => {
    const r = await receiver();
    const queue = fresh('queued');
    await push.createPushQueue(queue, [{ name: 's', url: r.url() }]);
    const [id] = await push.post(queue, { body: 'later', delay: 30 });
    await server.push.drain();
    const [status] = await push.statuses(queue, id!);
    expect(status).toEqual({ name: 's', url: r.url(), status: 'queued', tries: 0, retries_remaining: 3 });
    expect(r.requests).toHaveLength(0);

    server.clock.advance(30 * SECOND);
    await server.push.drain();
    expect(r.requests).toHaveLength(1);
    expect(await push.statusOf(queue, id!, 's')).toMatchObject({ status: 'deleted', tries: 1 });
  });

  test('a finished message keeps its statuses for FERRITE_PUSH_STATUS_RETENTION_SECONDS, then the expiry job drops it', async () => {
    const retaining = await startServer({
      env: { ...PUSH_ENV, FERRITE_PUSH_STATUS_RETENTION_SECONDS: '600' },
    });
    try {
      const api = pushApi(retaining);
      const r = await receiver();
      const queue = fresh('retention');
      await api.createPushQueue(queue, [{ name: 's', url: r.url() }]);
      const [id] = await api.post(queue, 'x');
      await r.received(1);
      await retaining.push.drain();
      expect((await api.info(queue)).size).toBe(0);
      // A done message is not a message of the queue any more …
      expect((await api.http.get(`/queues/${q(queue)}/messages/${id}`)).status).toBe(404);
      // … but its statuses stay readable for the retention time.
      retaining.clock.advance(600 * SECOND - 1);
      await expireOnce({ store: retaining.store }, retaining.clock.now());
      expect(await api.statusOf(queue, id!, 's')).toMatchObject({ status: 'deleted' });
      retaining.clock.advance(1);
      await expireOnce({ store: retaining.store }, retaining.clock.now());
      const gone = await api.http.get(`/queues/${q(queue)}/messages/${id}/subscribers`);
      expectMatchesSpec(gone);
      expect([gone.status, gone.body]).toEqual([404, { msg: 'Message not found' }]);
      expect(await api.info(queue)).toMatchObject({ size: 0, total_messages: 1 });
    } finally {
      await retaining.destroy();
    }
  });

  test('statuses of an unknown message or a pull-queue message are 404', async () => {
    const queue = fresh('statuses-404');
    const r = await receiver();
    await push.createPushQueue(queue, [{ name: 's', url: r.url() }]);
    const missing = await push.http.get(`/queues/${q(queue)}/messages/999999/subscribers`);
    expectMatchesSpec(missing);
    expect([missing.status, missing.body]).toEqual([404, { msg: 'Message not found' }]);

    const pull = fresh('pull');
    const [id] = await push.post(pull, 'x');
    const res = await push.http.get(`/queues/${q(pull)}/messages/${id}/subscribers`);
    expectMatchesSpec(res);
    expect(res.status).toBe(404);

    const noQueue = await push.http.get(`/queues/${fresh('nope')}/messages/1/subscribers`);
    expectMatchesSpec(noQueue);
    expect([noQueue.status, noQueue.body]).toEqual([404, { msg: 'Queue not found' }]);
  });
});

describe('unicast fail-over', () => {
  test('a failure passes the message to the next subscriber at once', async () => {
    const [bad, good, unused] = [await receiver(500), await receiver(), await receiver()];
    const queue = fresh('failover');
    await push.createPushQueue(
      queue,
      [
        { name: 'refused', url: await refusedUrl() },
        { name: 'bad', url: bad.url() },
        { name: 'good', url: good.url() },
        { name: 'unused', url: unused.url() },
      ],
      { type: 'unicast' },
    );
    const [id] = await push.post(queue, 'hot potato');
    await completed(id!); // no clock advance: the fail-over does not wait for retries_delay
    expect(bad.requests).toHaveLength(1);
    expect(good.requests.map((r) => r.body)).toEqual(['hot potato']);
    expect(unused.requests).toHaveLength(0);
    const statuses = await push.statuses(queue, id!);
    expect(statuses.map((s) => [s.name, s.status, s.tries])).toEqual([
      ['refused', 'retrying', 1],
      ['bad', 'retrying', 1],
      ['good', 'deleted', 1],
      ['unused', 'queued', 0],
    ]);
    expect((await push.info(queue)).size).toBe(0);
  });

  test('when every subscriber fails, the round is retried after retries_delay, then all are reported', async () => {
    const [a, b] = [await receiver(), await receiver()];
    a.setDefault(500);
    b.setDefault(404);
    const queue = fresh('uni-all-fail');
    const errors = fresh('uni-errors');
    await push.createPushQueue(
      queue,
      [
        { name: 'a', url: a.url() },
        { name: 'b', url: b.url() },
      ],
      { type: 'unicast', retries: 1, retries_delay: 3, error_queue: errors },
    );
    const [id] = await push.post(queue, 'x');
    await events.wait('push:failed', (e) => e.messageId === id, 2);
    await server.push.drain();
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);

    server.clock.advance(3 * SECOND);
    await server.push.drain();
    expect([a.requests.length, b.requests.length]).toEqual([2, 2]);
    const statuses = await push.statuses(queue, id!);
    expect(statuses.map((s) => [s.name, s.status, s.status_code])).toEqual([
      ['a', 'error', 500],
      ['b', 'error', 404],
    ]);
    const [report] = await push.reserve(errors);
    expect(JSON.parse(report!.body)).toMatchObject({
      source_msg_id: id,
      body: 'x',
      subscribers: [
        { name: 'a', url: a.url(), code: 500 },
        { name: 'b', url: b.url(), code: 404 },
      ],
    });
  });
});

describe('subscribers', () => {
  test('add, update by name, replace and remove take effect for messages posted afterwards', async () => {
    const [a, b, b2, c] = [await receiver(), await receiver(), await receiver(), await receiver()];
    const queue = fresh('subs');
    await push.createPushQueue(queue, [{ name: 'a', url: a.url() }]);
    const path = `/queues/${q(queue)}/subscribers`;
    const deliver = async (body: string) => {
      const [id] = await push.post(queue, body);
      await completed(id!);
    };

    const added = await push.http.post(path).send({ subscribers: [{ name: 'b', url: b.url() }] });
    expectMatchesSpec(added);
    expect([added.status, added.body]).toEqual([200, { msg: 'Updated' }]);
    await deliver('after add');
    expect(a.requests.map((r) => r.body)).toEqual(['after add']);
    expect(b.requests.map((r) => r.body)).toEqual(['after add']);

    // POST with an existing name updates that subscriber.
    const updated = await push.http.post(path).send({ subscribers: [{ name: 'b', url: b2.url() }] });
    expect([updated.status, updated.body]).toEqual([200, { msg: 'Updated' }]);
    await deliver('after update');
    expect(b.requests).toHaveLength(1);
    expect(b2.requests.map((r) => r.body)).toEqual(['after update']);

    // A message already waiting keeps the subscribers it was posted under.
    const [delayed] = await push.post(queue, { body: 'posted before replace', delay: 5 });
    const replaced = await push.http.put(path).send({ subscribers: [{ name: 'c', url: c.url() }] });
    expectMatchesSpec(replaced);
    expect([replaced.status, replaced.body]).toEqual([200, { msg: 'Updated' }]);
    expect(((await push.info(queue)).push as { subscribers: unknown[] }).subscribers).toEqual([
      { name: 'c', url: c.url(), headers: {} },
    ]);
    await deliver('after replace');
    expect(c.requests.map((r) => r.body)).toEqual(['after replace']);
    expect(a.requests).toHaveLength(2);
    server.clock.advance(5 * SECOND);
    await server.push.drain();
    await completed(delayed!);
    expect(a.requests.map((r) => r.body)).toContain('posted before replace');
    expect(c.requests.map((r) => r.body)).not.toContain('posted before replace');

    // Remove by name; the last subscriber cannot be removed.
    await push.http.post(path).send({ subscribers: [{ name: 'a', url: a.url() }] });
    const removed = await push.http.delete(path).send({ subscribers: [{ name: 'c' }] });
    expectMatchesSpec(removed);
    expect([removed.status, removed.body]).toEqual([200, { msg: 'Updated' }]);
    await deliver('after remove');
    expect(c.requests.map((r) => r.body)).not.toContain('after remove');
    expect(a.requests.map((r) => r.body)).toContain('after remove');
    const last = await push.http.delete(path).send({ subscribers: [{ name: 'a' }] });
    expectMatchesSpec(last);
    expect(last.status).toBe(400);
  });

  test('subscriber routes answer 400 on a pull queue and 404 on a missing one', async () => {
    const pull = fresh('subs-pull');
    await push.createQueue(pull, {});
    const onPull = await push.http
      .post(`/queues/${q(pull)}/subscribers`)
      .send({ subscribers: [{ name: 'x', url: 'http://example.com/' }] });
    expectMatchesSpec(onPull);
    expect(onPull.status).toBe(400);
    const missing = await push.http
      .put(`/queues/${fresh('subs-missing')}/subscribers`)
      .send({ subscribers: [{ name: 'x', url: 'http://example.com/' }] });
    expectMatchesSpec(missing);
    expect([missing.status, missing.body]).toEqual([404, { msg: 'Queue not found' }]);
    const badUrl = await push.http
      .post(`/queues/${q(pull)}/subscribers`)
      .send({ subscribers: [{ name: 'x', url: 'ftp://example.com/' }] });
    expect(badUrl.status).toBe(400);
  });
});

describe('ironmq:/// subscribers', () => {
  test('a message pushed to ironmq:///name lands in that queue of the project, without HTTP', async () => {
    const queue = fresh('fwd');
    const target = fresh('fwd-target');
    await push.createPushQueue(queue, [{ name: 'copy', url: `ironmq:///${target}` }]);
    const [id] = await push.post(queue, { body: 'forwarded', push_headers: { 'X-K': 'v' } });
    await completed(id!);
    expect(await push.statusOf(queue, id!, 'copy')).toMatchObject({
      url: `ironmq:///${target}`,
      status: 'deleted',
      status_code: 200,
      tries: 1,
    });
    const [copied] = await push.reserve(target);
    expect(copied).toMatchObject({ body: 'forwarded' });
    expect(await push.info(target)).toMatchObject({ type: 'pull', size: 1 });
  });
});

describe('push queues as targets of other features', () => {
  test('the error queue may itself be a push queue: the report is delivered', async () => {
    const [failing, reports] = [await receiver(500), await receiver()];
    const queue = fresh('chained');
    const errors = fresh('chained-errors');
    await push.createPushQueue(errors, [{ name: 'pager', url: reports.url() }]);
    await push.createPushQueue(queue, [{ name: 'f', url: failing.url() }], {
      retries: 0,
      error_queue: errors,
    });
    const [id] = await push.post(queue, 'x');
    const [report] = await reports.received(1);
    expect(JSON.parse(report!.body)).toMatchObject({
      source_msg_id: id,
      subscribers: [{ name: 'f', code: 500 }],
    });
  });

  // A push queue as dead_letter target receives a copy with its deliveries (a pull target keeps the row).
  test('a message dead-lettered into a push queue is delivered', async () => {
    const r = await receiver();
    const source = fresh('dl-source');
    const dlq = fresh('dl-push');
    await push.createPushQueue(dlq, [{ name: 'dead', url: r.url() }]);
    await push.createQueue(source, { dead_letter: { queue_name: dlq, max_reservations: 1 } });
    const [id] = await push.post(source, 'poison');
    const [reserved] = await push.reserve(source, 1);
    expect(reserved!.id).toBe(id);
    server.clock.advance(61 * SECOND);
    expect(await push.reserve(source, 1)).toEqual([]); // moved to the dead-letter queue instead
    expect((await push.info(dlq)).size).toBe(1);
    await server.push.drain();
    await r.received(1, 1000);
  });
});

describe('private targets', () => {
  test('with the default configuration, loopback subscribers are refused and never reached', async () => {
    const strict = await startServer({ env: { FERRITE_PUSH_TIMEOUT_MS: '1000' } });
    try {
      const strictApi = pushApi(strict);
      const strictEvents = new EventLog(strict);
      const r = await receiver();
      const queue = fresh('private');
      await strictApi.createPushQueue(queue, [
        { name: 'ip', url: r.url() },
        { name: 'dns', url: `http://localhost:${r.port}/push` },
        { name: 'v6', url: `http://[::1]:${r.port}/push` },
      ]);
      const [id] = await strictApi.post(queue, 'secret');
      await strictEvents.wait('push:failed', (e) => e.messageId === id, 3);
      const statuses = await strictApi.statuses(queue, id!);
      for (const status of statuses) {
        expect(status).toMatchObject({
          status: 'retrying',
          tries: 1,
          msg: 'Subscriber address is private (set FERRITE_PUSH_ALLOW_PRIVATE=true to allow)',
        });
      }
      expect(r.requests).toHaveLength(0);
    } finally {
      await strict.destroy();
    }
  });
});

describe('concurrency', () => {
  test('a slow subscriber on one queue does not starve another queue', async () => {
    const busy = await startServer({
      env: {
        ...PUSH_ENV,
        FERRITE_PUSH_TIMEOUT_MS: '5000',
        FERRITE_PUSH_CONCURRENCY: '3',
        FERRITE_PUSH_QUEUE_CONCURRENCY: '2',
      },
    });
    try {
      const busyApi = pushApi(busy);
      const busyEvents = new EventLog(busy);
      const slow = await startReceiver({ default: 'hold' });
      receivers.push(slow);
      const fast = await receiver();
      const slowQueue = fresh('slow');
      const fastQueue = fresh('fast');
      await busyApi.createPushQueue(slowQueue, [{ name: 's', url: slow.url() }]);
      await busyApi.createPushQueue(fastQueue, [{ name: 'f', url: fast.url() }]);
      // A backlog on the slow queue, far larger than the free slots.
      for (let i = 0; i < 3; i++) {
        await busyApi.post(slowQueue, ...Array.from({ length: 100 }, (_, n) => `slow ${i * 100 + n}`));
      }
      await slow.received(2);
      const [id] = await busyApi.post(fastQueue, 'fast');
      await busyEvents.wait('push:delivered', (e) => e.messageId === id, 1, 3000);
      expect(fast.requests).toHaveLength(1);
      // The slow queue never had more than its share in flight.
      expect(slow.maxConcurrent).toBe(2);
      slow.release();
    } finally {
      await busy.destroy();
    }
  });

  test('dispatch passes running at the same time never exceed the per-queue limit', async () => {
    const busy = await startServer({
      env: { ...PUSH_ENV, FERRITE_PUSH_TIMEOUT_MS: '5000', FERRITE_PUSH_QUEUE_CONCURRENCY: '2' },
    });
    const slow = await receiver();
    slow.setDefault('hold');
    try {
      const busyApi = pushApi(busy);
      const queue = fresh('overlap');
      await busyApi.createPushQueue(queue, [{ name: 's', url: slow.url() }]);
      await busyApi.post(queue, ...Array.from({ length: 20 }, (_, n) => ({ body: `m${n}`, delay: 10 })));
      busy.clock.advance(10 * SECOND);
      // Wake-ups come from posts, freed slots, timers and drain(): several passes may overlap.
      await Promise.all([busy.push.pump(), busy.push.pump(), busy.push.pump()]);
      await slow.received(2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(slow.requests.length).toBe(2);
    } finally {
      slow.release();
      await busy.destroy();
    }
  });
});

describe('restart', () => {
  test('a restart in the middle of retries loses nothing and does not repeat a delivery recorded as done', async () => {
    const dir = tempDir();
    const first = await startServer({ dir, env: PUSH_ENV });
    const [ok, flaky] = [await receiver(), await receiver(500, 500)];
    const queue = fresh('restart');
    const firstApi = pushApi(first);
    const firstEvents = new EventLog(first);
    await firstApi.createPushQueue(
      queue,
      [
        { name: 'ok', url: ok.url() },
        { name: 'flaky', url: flaky.url() },
      ],
      { retries_delay: 30 },
    );
    const [id] = await firstApi.post(queue, 'survives');
    await firstEvents.wait('push:failed', (e) => e.messageId === id);
    await first.push.drain();
    first.clock.advance(30 * SECOND);
    await first.push.drain();
    expect(flaky.requests).toHaveLength(2);
    await first.stop();

    const second = await startServer({
      dir,
      clock: first.clock,
      env: { ...PUSH_ENV, FERRITE_PUBLIC_URL: 'https://mq.example.com/ferrite/' },
    });
    try {
      const secondApi = pushApi(second);
      expect(await secondApi.statuses(queue, id!)).toEqual([
        expect.objectContaining({ name: 'ok', status: 'deleted', tries: 1 }),
        expect.objectContaining({ name: 'flaky', status: 'retrying', tries: 2, retries_remaining: 1 }),
      ]);
      second.clock.advance(30 * SECOND);
      await second.push.drain();
      expect(flaky.requests).toHaveLength(3);
      expect(flaky.requests[2]!.body).toBe('survives');
      // The acknowledgement URL follows FERRITE_PUBLIC_URL (behind a proxy, on another host).
      expect(flaky.requests[2]!.headers['iron-subscriber-message-url']).toBe(
        `https://mq.example.com/ferrite/3/projects/${second.projectId}/queues/${queue}/messages/${id}`,
      );
      expect(ok.requests).toHaveLength(1);
      expect(await secondApi.statusOf(queue, id!, 'flaky')).toMatchObject({ status: 'deleted', tries: 3 });
      expect((await secondApi.info(queue)).size).toBe(0);
    } finally {
      await second.destroy();
    }
  });
});

describe('queue type rules', () => {
  test('a push queue shows its push settings with their defaults; `push` alone makes it multicast', async () => {
    const queue = fresh('shape');
    const created = await push.createQueue(queue, {
      push: { subscribers: [{ name: 's', url: 'http://example.com/in' }] },
    });
    expect(created).toMatchObject({
      type: 'multicast',
      push: {
        subscribers: [{ name: 's', url: 'http://example.com/in', headers: {} }],
        retries: 3,
        retries_delay: 60,
        error_queue: '',
      },
    });
    expect(created.alerts).toBeUndefined();
    const info = await push.info(queue);
    expect(info.push).toEqual(created.push);
  });

  test('the type is fixed after creation; sending the same type again is accepted', async () => {
    const queue = fresh('fixed-type');
    await push.createPushQueue(queue, [{ name: 's', url: 'http://example.com/' }], { type: 'unicast' });
    for (const type of ['multicast', 'pull']) {
      const res = await push.http.patch(`/queues/${q(queue)}`).send({ queue: { type } });
      expectMatchesSpec(res);
      expect(res.status).toBe(400);
    }
    const same = await push.http
      .patch(`/queues/${q(queue)}`)
      .send({ queue: { type: 'unicast', push: { retries: 7 } } });
    expectMatchesSpec(same);
    expect(same.status).toBe(200);
    expect(same.body.queue).toMatchObject({ type: 'unicast', push: { retries: 7 } });

    const pull = fresh('fixed-pull');
    await push.createQueue(pull, {});
    const toPush = await push.http.patch(`/queues/${q(pull)}`).send({
      queue: { type: 'multicast', push: { subscribers: [{ name: 's', url: 'http://example.com/' }] } },
    });
    expectMatchesSpec(toPush);
    expect(toPush.status).toBe(400);
    const pushOnPull = await push.http
      .patch(`/queues/${q(pull)}`)
      .send({ queue: { push: { subscribers: [{ name: 's', url: 'http://example.com/' }] } } });
    expect(pushOnPull.status).toBe(400);
  });

  test('a push queue needs a subscriber; bad push settings are refused', async () => {
    const bodies: object[] = [
      { type: 'multicast' },
      { type: 'unicast', push: { subscribers: [] } },
      { push: { subscribers: [{ name: 's', url: 'http://example.com/' }], retries: 101 } },
      { push: { subscribers: [{ name: 's', url: 'http://example.com/' }], retries_delay: 2 } },
      { push: { subscribers: [{ name: 's', url: 'not a url' }] } },
      {
        push: {
          subscribers: [
            { name: 's', url: 'http://example.com/a' },
            { name: 's', url: 'http://example.com/b' },
          ],
        },
      },
    ];
    for (const body of bodies) {
      const name = fresh('refused');
      const res = await push.http.put(`/queues/${q(name)}`).send({ queue: body });
      expectMatchesSpec(res);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect((await push.http.get(`/queues/${q(name)}`)).status).toBe(404);
    }
  });

  test('reserving from a push queue is refused with 400', async () => {
    const queue = fresh('no-reserve');
    await push.createPushQueue(queue, [{ name: 's', url: 'http://example.com/' }]);
    const res = await push.http.post(`/queues/${q(queue)}/reservations`).send({ n: 1 });
    expectMatchesSpec(res);
    expect([res.status, res.body]).toEqual([
      400,
      { msg: 'Messages of a push queue are delivered, not reserved' },
    ]);
  });

  test('dead_letter and alerts are refused on push queues', async () => {
    const queue = fresh('no-extras');
    const sub = { subscribers: [{ name: 's', url: 'http://example.com/' }] };
    const withDeadLetter = await push.http
      .put(`/queues/${q(queue)}`)
      .send({ queue: { push: sub, dead_letter: { queue_name: 'dlq' } } });
    expectMatchesSpec(withDeadLetter);
    expect(withDeadLetter.status).toBe(400);
    const withAlerts = await push.http
      .put(`/queues/${q(queue)}`)
      .send({ queue: { push: sub, alerts: [{ type: 'fixed', trigger: 5, queue: 'alerts' }] } });
    expectMatchesSpec(withAlerts);
    expect(withAlerts.status).toBe(400);

    await push.createQueue(queue, { push: sub });
    const patched = await push.http
      .patch(`/queues/${q(queue)}`)
      .send({ queue: { dead_letter: { queue_name: 'dlq', max_reservations: 3 } } });
    expectMatchesSpec(patched);
    expect(patched.status).toBe(400);
  });
});
