import { q } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startServer, type TestServer } from '../helpers/server';
import { EventLog, PUSH_ENV, fresh, pushApi, type PushApi } from './push-kit';

/**
 * POST /queues/{q}/webhook (spec §3): the raw body of any service's callback becomes one message, whatever its
 * Content-Type; the token comes from `?oauth=` (the Ruby test sends nothing else) or the header.
 */

const MAX_MESSAGE_BYTES = 1024;

let server: TestServer;
let push: PushApi;
let events: EventLog;

beforeAll(async () => {
  server = await startServer({ env: { ...PUSH_ENV, FERRITE_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) } });
  push = pushApi(server);
  events = new EventLog(server);
});
afterAll(() => server.destroy());

/** A webhook call the way an outside service makes it: no Authorization header, the token in the query. */
function webhook(queue: string, token = server.token) {
  return push.http.raw.post(
    `/3/projects/${server.projectId}/queues/${q(queue)}/webhook?oauth=${encodeURIComponent(token)}`,
  );
}

async function onlyMessage(queue: string): Promise<{ id: string; body: string; push_headers?: object }> {
  const res = await push.http.get(`/queues/${q(queue)}/messages?n=100`);
  expectMatchesSpec(res);
  expect(res.body.messages).toHaveLength(1);
  return res.body.messages[0];
}

describe('webhook bodies', () => {
  test('a form-encoded body with only ?oauth= becomes a message on a queue created for it (the Ruby test)', async () => {
    const queue = fresh('hook form');
    const res = await webhook(queue)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('hello webhook');
    expectMatchesSpec(res);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ids: [expect.stringMatching(/^\d+$/)], msg: 'Messages put on queue.' });

    const info = await push.info(queue);
    expect(info).toMatchObject({ name: queue, type: 'pull', size: 1, total_messages: 1 });
    const message = await onlyMessage(queue);
    expect(message).toMatchObject({ id: res.body.ids[0], body: 'hello webhook' });
    expect(message.push_headers).toBeUndefined();
  });

  test('a JSON body is kept as the exact text sent, not parsed or re-serialized', async () => {
    const queue = fresh('hook-json');
    const text = '{ "event" : "charge.succeeded",\n  "amount": 1.50, "tags": [] }';
    const res = await webhook(queue).set('Content-Type', 'application/json').send(text);
    expectMatchesSpec(res);
    expect(res.status).toBe(201);
    expect((await onlyMessage(queue)).body).toBe(text);
  });

  test('a body that is not JSON under a JSON Content-Type is still taken as is', async () => {
    const queue = fresh('hook-not-json');
    const res = await webhook(queue).set('Content-Type', 'application/json').send('not {json');
    expectMatchesSpec(res);
    expect(res.status).toBe(201);
    expect((await onlyMessage(queue)).body).toBe('not {json');
  });

  test('other content types, unicode and an empty body work too; the Authorization header is accepted', async () => {
    const cases: [string, string | undefined, string][] = [
      ['xml', 'application/xml', '<a href="x">ü</a>'],
      ['text', 'text/plain; charset=utf-8', 'héllo ✓ 🚀'],
      ['none', undefined, 'no content type'],
      ['empty', 'text/plain', ''],
    ];
    for (const [label, type, body] of cases) {
      const queue = fresh(`hook-${label}`);
      const request = push.http.post(`/queues/${q(queue)}/webhook`);
      if (type) request.set('Content-Type', type);
      const res = await request.send(body);
      expectMatchesSpec(res);
      expect([label, res.status]).toEqual([label, 201]);
      expect([label, (await onlyMessage(queue)).body]).toEqual([label, body]);
    }
  });

  test('a body that is not UTF-8 is refused with 400', async () => {
    const queue = fresh('hook-binary');
    const res = await webhook(queue)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    expectMatchesSpec(res);
    expect([res.status, res.body]).toEqual([400, { msg: 'Request body is not valid UTF-8' }]);
    expect((await push.http.get(`/queues/${q(queue)}`)).status).toBe(404);
  });
});

describe('webhook size limits', () => {
  test('a body of FERRITE_MAX_MESSAGE_BYTES is accepted; one byte more is 413', async () => {
    const queue = fresh('hook-size');
    const fits = await webhook(queue).set('Content-Type', 'text/plain').send('x'.repeat(MAX_MESSAGE_BYTES));
    expectMatchesSpec(fits);
    expect(fits.status).toBe(201);

    const tooBig = await webhook(queue)
      .set('Content-Type', 'text/plain')
      .send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expectMatchesSpec(tooBig);
    expect([tooBig.status, tooBig.body]).toEqual([
      413,
      { msg: `messages[0].body is larger than ${MAX_MESSAGE_BYTES} bytes` },
    ]);
    // Bytes, not characters: 342 three-byte characters are 1026 bytes.
    const multiByte = await webhook(queue).set('Content-Type', 'text/plain').send('✓'.repeat(342));
    expect(multiByte.status).toBe(413);
    expect((await push.info(queue)).total_messages).toBe(1);
  });
});

describe('webhook authentication', () => {
  test('a wrong, missing or other-project token is 401 and creates nothing', async () => {
    const queue = fresh('hook-auth');
    const wrong = await webhook(queue, 'not-the-token').set('Content-Type', 'text/plain').send('x');
    expectMatchesSpec(wrong);
    expect([wrong.status, wrong.body]).toEqual([401, { msg: 'Invalid project/token combination' }]);

    const none = await push.http.raw
      .post(`/3/projects/${server.projectId}/queues/${q(queue)}/webhook`)
      .set('Content-Type', 'text/plain')
      .send('x');
    expectMatchesSpec(none);
    expect(none.status).toBe(401);

    const otherProject = await push.http.raw
      .post(`/3/projects/000000000000000000000000/queues/${q(queue)}/webhook?oauth=${server.token}`)
      .send('x');
    expectMatchesSpec(otherProject);
    expect(otherProject.status).toBe(401);

    expect((await push.http.get(`/queues/${q(queue)}`)).status).toBe(404);
  });

  test('other methods on the webhook path are 405', async () => {
    const res = await push.http.get(`/queues/${fresh('hook-get')}/webhook`);
    expectMatchesSpec(res);
    expect(res.status).toBe(405);
  });
});

describe('X-Subscribers-* headers', () => {
  test('become the message push_headers; invalid ones are dropped without an error', async () => {
    const queue = fresh('hook-headers');
    const res = await webhook(queue)
      .set('Content-Type', 'text/plain')
      .set('X-Subscribers-Trace-Id', 'abc-123')
      .set('x-subscribers-tenant', 'acme')
      .set('X-Subscribers-Content-Type', 'application/json') // reserved name: dropped
      .set('X-Subscribers-Iron-Message-Id', 'forged') // Iron-*: dropped
      .set('X-Subscribers-Long', 'v'.repeat(1025)) // value over 1 KiB: dropped
      .set('X-Subscribers-Content-Length', '3') // owned by the HTTP client: dropped
      .set('X-Other', 'not a subscriber header')
      .send('with headers');
    expectMatchesSpec(res);
    expect(res.status).toBe(201);
    const message = await onlyMessage(queue);
    expect(message.push_headers).toEqual({ 'Trace-Id': 'abc-123', tenant: 'acme' });
  });

  test('at most five are kept', async () => {
    const queue = fresh('hook-five');
    const request = webhook(queue).set('Content-Type', 'text/plain');
    for (let i = 1; i <= 7; i++) request.set(`X-Subscribers-H${i}`, `v${i}`);
    const res = await request.send('many');
    expect(res.status).toBe(201);
    expect(Object.keys((await onlyMessage(queue)).push_headers ?? {})).toHaveLength(5);
  });

  test('on a push queue, the webhook message is delivered with those headers and the raw body', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      const queue = fresh('hook-push');
      await push.createPushQueue(queue, [{ name: 'sink', url: receiver.url() }]);
      const res = await webhook(queue)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .set('X-Subscribers-Signature', 'sig=1')
        .send('a=1&b=two');
      expect(res.status).toBe(201);
      const [id] = res.body.ids as string[];
      await events.wait('push:completed', (e) => e.messageId === id);
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]).toMatchObject({ body: 'a=1&b=two' });
      expect(receiver.requests[0]!.headers).toMatchObject({
        signature: 'sig=1',
        'content-type': 'text/plain; encoding=utf-8',
        'iron-message-id': id,
      });
    } finally {
      await receiver.close();
    }
  });
});
