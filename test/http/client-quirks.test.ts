import type { Response } from 'supertest';
import { api, q } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer();
  http = api(server);
});
afterAll(() => server.destroy());

async function getQueue(name: string): Promise<Response> {
  const res = await http.get(`/queues/${q(name)}`);
  expectMatchesSpec(res);
  return res;
}

async function createQueue(name: string, queue: Record<string, unknown> = {}): Promise<void> {
  const res = await http.put(`/queues/${q(name)}`).send({ queue });
  expect(res.status).toBe(200);
}

async function postMessages(name: string, messages: Record<string, unknown>[]): Promise<string[]> {
  const res = await http.post(`/queues/${q(name)}/messages`).send({ messages });
  expect(res.status).toBe(201);
  return res.body.ids as string[];
}

/** A JSON body as bytes: superagent sends a Buffer as is, without adding a Content-Type. */
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

describe('X-HTTP-Method-Override (the Java client)', () => {
  test('when POST carries X-HTTP-Method-Override: DELETE on a queue, the queue is deleted', async () => {
    await createQueue('java-delete');

    const res = await http.post('/queues/java-delete').set('X-HTTP-Method-Override', 'DELETE').send({});

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msg: 'Deleted' });
    expect((await getQueue('java-delete')).status).toBe(404);
  });

  test('when POST carries X-HTTP-Method-Override: PATCH, the queue is updated, not recreated', async () => {
    await createQueue('java-patch');
    await postMessages('java-patch', [{ body: 'stays' }]);

    const res = await http
      .post('/queues/java-patch')
      .set('X-HTTP-Method-Override', 'PATCH')
      .send({ queue: { message_timeout: 45 } });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue).toMatchObject({ name: 'java-patch', message_timeout: 45, size: 1 });
    expect((await getQueue('java-patch')).body.queue.message_timeout).toBe(45);
  });

  test('when POST carries X-HTTP-Method-Override: PATCH for a missing queue, it answers 404 like PATCH', async () => {
    const res = await http
      .post('/queues/java-patch-missing')
      .set('X-HTTP-Method-Override', 'PATCH')
      .send({ queue: { message_timeout: 45 } });

    expectMatchesSpec(res);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ msg: 'Queue not found' });
    expect((await getQueue('java-patch-missing')).status).toBe(404);
  });

  test('when POST carries X-HTTP-Method-Override: DELETE on the messages (Java clear), the queue is cleared', async () => {
    await createQueue('java-clear');
    await postMessages('java-clear', [{ body: 'a' }, { body: 'b' }]);

    const res = await http
      .post('/queues/java-clear/messages')
      .set('X-HTTP-Method-Override', 'DELETE')
      .send({});

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msg: 'Cleared' });
    expect((await getQueue('java-clear')).body.queue.size).toBe(0);
  });
});

describe('bodies and headers that clients send', () => {
  test('when GET carries a {} body with Content-Type: application/json (the Go client), it is served as usual', async () => {
    await createQueue('go-get', { message_timeout: 45 });
    const plain = await getQueue('go-get');

    const withBody = await http.get('/queues/go-get').set('Content-Type', 'application/json').send('{}');
    const listWithBody = await http.get('/queues').set('Content-Type', 'application/json').send('{}');

    expectMatchesSpec(withBody);
    expect(withBody.status).toBe(200);
    expect(withBody.body).toEqual(plain.body);
    expectMatchesSpec(listWithBody);
    expect(listWithBody.status).toBe(200);
  });

  test('when the Content-Type header is lower-case (the Node client), the JSON body is read', async () => {
    const res = await http
      .put('/queues/node-lowercase')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ queue: { message_timeout: 31 } }));

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue.message_timeout).toBe(31);
  });

  test('when a JSON body comes without any Content-Type, it is read as JSON', async () => {
    const created = await http.put('/queues/no-type').send(bytes({ queue: { message_timeout: 32 } }));
    const posted = await http
      .post('/queues/no-type/messages')
      .send(bytes({ messages: [{ body: 'untyped' }] }));

    expectMatchesSpec(created);
    expect(created.status).toBe(200);
    expect(created.body.queue.message_timeout).toBe(32);
    expectMatchesSpec(posted);
    expect(posted.status).toBe(201);
    expect((await getQueue('no-type')).body.queue.size).toBe(1);
  });

  test('when DELETE has no body at all (the Python client), clearing and deleting a queue work', async () => {
    await createQueue('py-delete');
    await postMessages('py-delete', [{ body: 'a' }]);

    const cleared = await http.delete('/queues/py-delete/messages');
    const sizeAfterClear = (await getQueue('py-delete')).body.queue.size;
    const deleted = await http.delete('/queues/py-delete');

    expectMatchesSpec(cleared);
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ msg: 'Cleared' });
    expect(sizeAfterClear).toBe(0);
    expectMatchesSpec(deleted);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ msg: 'Deleted' });
    expect((await getQueue('py-delete')).status).toBe(404);
  });

  test.each(['gzip/deflate', 'gzip, deflate', 'gzip'])(
    'when Accept-Encoding is "%s", the response is not compressed',
    async (encoding) => {
      await createQueue('uncompressed');

      const res = await http.get('/queues').set('Accept-Encoding', encoding);

      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(res.text).queues.length).toBeGreaterThan(0);
    },
  );

  test.each([
    'appliction/json',
    'text/html, image/gif, image/jpeg, */*; q=0.2',
    '*/*; q=0.5, application/xml',
    'text/plain',
  ])('when Accept is "%s", the answer is still JSON, never 406', async (accept) => {
    await createQueue('accepting');

    const res = await http.get('/queues/accepting').set('Accept', accept);

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue.name).toBe('accepting');
  });
});

describe('fields the server does not know', () => {
  test('when the Go client posts a message with reserved_until and the Java client with reserved_count, both are accepted', async () => {
    const res = await http.post('/queues/extra-fields/messages').send({
      messages: [
        {
          body: 'go',
          delay: 0,
          push_headers: {},
          reserved_until: '0001-01-01T00:00:00Z',
          reservation_id: '',
        },
        { body: 'java', reserved_count: 0, delay: 0 },
      ],
    });

    expectMatchesSpec(res);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      ids: [expect.any(String), expect.any(String)],
      msg: 'Messages put on queue.',
    });
    expect((await getQueue('extra-fields')).body.queue).toMatchObject({ size: 2, total_messages: 2 });
  });

  test('when the PHP client adds oauth to a create body, it is ignored as a setting', async () => {
    const res = await http
      .put('/queues/php-create')
      .send({ queue: { message_timeout: 60 }, oauth: server.token });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue).toMatchObject({ name: 'php-create', message_timeout: 60 });
  });

  test('when the Go client creates with name, size, total_messages and zero timeouts, the defaults apply', async () => {
    const res = await http.put('/queues/go-create').send({
      queue: {
        name: 'go-create',
        size: 7,
        total_messages: 9,
        message_timeout: 0,
        message_expiration: 0,
        type: 'pull',
      },
    });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue).toMatchObject({
      name: 'go-create',
      size: 0,
      total_messages: 0,
      message_timeout: 60,
      message_expiration: 604800,
      type: 'pull',
    });
  });

  test('when the Go client updates with zero timeouts and a different name in the body, the zeros leave the settings alone', async () => {
    await createQueue('go-update', { message_timeout: 45, message_expiration: 7200 });

    const patched = await http.patch('/queues/go-update').send({
      queue: {
        name: 'something-else',
        size: 0,
        total_messages: 0,
        message_timeout: 0,
        message_expiration: 0,
      },
    });
    const put = await http.put('/queues/go-update').send({
      queue: { name: 'go-update', size: 0, total_messages: 0, message_timeout: 0, message_expiration: 0 },
    });

    for (const res of [patched, put]) {
      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      expect(res.body.queue).toMatchObject({
        name: 'go-update',
        message_timeout: 45,
        message_expiration: 7200,
      });
    }
    expect((await getQueue('something-else')).status).toBe(404);
  });

  test("when a reservation asks for timeout 0 (the Go client), the queue's message_timeout is used", async () => {
    await createQueue('go-reserve', { message_timeout: 45 });
    await postMessages('go-reserve', [{ body: 'pop me' }]);

    const res = await http
      .post('/queues/go-reserve/reservations')
      .send({ n: 1, timeout: 0, wait: 0, delete: false });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.messages).toHaveLength(1);
    expect(res.body.messages[0]).toMatchObject({
      body: 'pop me',
      reserved_count: 1,
      reserved_until: new Date(server.clock.now() + 45_000).toISOString(),
    });
  });
});

describe('queue names in paths', () => {
  const goName = 'pushqueue2026-11-22 18:06:06.088121838 +0000 UTC m=+0.010377869';
  const names = ['my queue', 'a:b', 'a+b', 'a=b', 'a.b', 'tab.with.dots.', goName];

  test.each(names)(
    'when the queue "%s" is created percent-encoded, it is found with the Ruby/Go encoding, and listed by its name',
    async (name) => {
      const created = await http.put(`/queues/${encodeURIComponent(name)}`).send({});
      const posted = await http.post(`/queues/${q(name)}/messages`).send({ messages: [{ body: 'x' }] });

      const got = await http.get(`/queues/${q(name)}`);
      const listed = await http.get(`/queues?prefix=${encodeURIComponent(name)}`);

      expectMatchesSpec(created);
      expect(created.status).toBe(200);
      expect(created.body.queue.name).toBe(name);
      expect(posted.status).toBe(201);
      expectMatchesSpec(got);
      expect(got.status).toBe(200);
      expect(got.body.queue).toMatchObject({ name, size: 1 });
      expectMatchesSpec(listed);
      expect(listed.body.queues.map((item: { name: string }) => item.name)).toEqual([name]);
    },
  );

  test('when "+" is raw in the path, it is a plus, not a space', async () => {
    await createQueue('plus+sign');

    const raw = await http.get('/queues/plus+sign');
    const encoded = await http.get('/queues/plus%2Bsign');
    const asSpace = await http.get('/queues/plus%20sign');

    expectMatchesSpec(raw);
    expect(raw.status).toBe(200);
    expect(raw.body.queue.name).toBe('plus+sign');
    expectMatchesSpec(encoded);
    expect(encoded.body).toEqual(raw.body);
    expectMatchesSpec(asSpace);
    expect(asSpace.status).toBe(404);
  });

  test('when ":" and "=" are raw or percent-encoded, both spell the same queue', async () => {
    const created = await http.put('/queues/k:v=1').send({ queue: { message_timeout: 44 } });

    const encoded = await http.get('/queues/k%3Av%3D1');

    expectMatchesSpec(created);
    expect(created.status).toBe(200);
    expect(created.body.queue.name).toBe('k:v=1');
    expectMatchesSpec(encoded);
    expect(encoded.status).toBe(200);
    expect(encoded.body.queue).toMatchObject({ name: 'k:v=1', message_timeout: 44 });
  });
});

describe('the shape of every answer', () => {
  function expectJsonFraming(res: Response): void {
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(typeof JSON.parse(res.text)).toBe('object');
  }

  test('when answers succeed or fail, Content-Type is exactly application/json and Content-Length is the body size', async () => {
    await createQueue('shape');
    const responses = [
      await http.put('/queues/shape').send({}),
      await http.get('/queues/shape'),
      await http.get('/queues'),
      await http.post('/queues/shape/messages').send({ messages: [{ body: 'x' }] }),
      await http.get('/queues/missing-shape'),
      await http.put('/queues/shape').send({ queue: { message_timeout: 'abc' } }),
      await http.raw.get(`/3/projects/${server.projectId}/queues`),
      await http.put('/queues'),
      await http.delete('/queues/shape'),
    ];

    expect(responses.map((res) => res.status)).toEqual([200, 200, 200, 201, 404, 400, 401, 405, 200]);
    for (const res of responses) {
      expectMatchesSpec(res);
      expectJsonFraming(res);
    }
  });

  test('when the route is unknown, the 404 is framed the same way', async () => {
    const res = await http.get('/no/such/route');

    // No expectMatchesSpec: openapi.yaml lists the routes that exist, so an unknown one has nothing to match.
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ msg: 'Not found' });
    expectJsonFraming(res);
  });
});
