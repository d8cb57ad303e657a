import type { Response } from 'supertest';
import { q, serverForFile, uniqueNames } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';

/** Posting, peeking, getting, deleting and clearing messages (spec §3). */

const file = serverForFile();
/** A queue name no other test uses. */
const fresh = uniqueNames();

const messagesOf = (queue: string) => `/queues/${q(queue)}/messages`;
const messageOf = (queue: string, id: string) => `/queues/${q(queue)}/messages/${id}`;

async function post(queue: string, messages: object[]): Promise<Response> {
  return file.http.post(messagesOf(queue)).send({ messages });
}

async function postBodies(queue: string, ...bodies: string[]): Promise<string[]> {
  const res = await post(
    queue,
    bodies.map((body) => ({ body })),
  );
  expect(res.status).toBe(201);
  return res.body.ids as string[];
}

async function queueInfo(queue: string): Promise<{ size: number; total_messages: number }> {
  const res = await file.http.get(`/queues/${q(queue)}`);
  expect(res.status).toBe(200);
  return res.body.queue;
}

async function sizeOf(queue: string): Promise<number> {
  return (await queueInfo(queue)).size;
}

async function reserve(queue: string, body: object = {}): Promise<Response> {
  const res = await file.http.post(`/queues/${q(queue)}/reservations`).send(body);
  expect(res.status).toBe(200);
  return res;
}

async function peekIds(queue: string, n = 100): Promise<string[]> {
  const res = await file.http.get(`${messagesOf(queue)}?n=${n}`);
  expect(res.status).toBe(200);
  return (res.body.messages as { id: string }[]).map((m) => m.id);
}

async function expectQueueMissing(queue: string): Promise<void> {
  const res = await file.http.get(`/queues/${q(queue)}`);
  expect(res.status).toBe(404);
}

describe('post messages', () => {
  test('when messages are posted to a queue that does not exist, it answers 201 with their ids and creates the queue', async () => {
    const queue = fresh('post-new');

    const res = await post(queue, [{ body: 'first' }, { body: 'second' }]);

    expect(res.status).toBe(201);
    expectMatchesSpec(res);
    expect(res.body).toEqual({
      ids: [expect.any(String), expect.any(String)],
      msg: 'Messages put on queue.',
    });
    const info = await queueInfo(queue);
    expect(info.size).toBe(2);
    expect(info.total_messages).toBe(2);
  });

  test('when messages are posted in two requests, the ids are digit strings that increase in request order and across posts', async () => {
    const queue = fresh('post-ids');

    const first = await postBodies(queue, 'a', 'b', 'c');
    const second = await postBodies(queue, 'd', 'e');

    const ids = [...first, ...second];
    for (const id of ids) expect(id).toMatch(/^\d+$/);
    const asNumbers = ids.map((id) => BigInt(id));
    for (let i = 1; i < asNumbers.length; i++) expect(asNumbers[i]! > asNumbers[i - 1]!).toBe(true);
    const bodies = await Promise.all(ids.map((id) => file.http.get(messageOf(queue, id))));
    expect(bodies.map((r) => r.body.message.body)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('when a body is the empty string, it is accepted and reserved back as an empty string', async () => {
    const queue = fresh('post-empty');

    const res = await post(queue, [{ body: '' }]);

    expect(res.status).toBe(201);
    expectMatchesSpec(res);
    const reserved = await reserve(queue);
    expectMatchesSpec(reserved);
    expect(reserved.body.messages).toHaveLength(1);
    expect(reserved.body.messages[0].body).toBe('');
  });

  test('when fields a client adds but the file.server does not know are posted, they are ignored', async () => {
    const queue = fresh('post-unknown-fields');

    // Go sends reserved_until, Java reserved_count and delay, Ruby v2 fields timeout and expires_in.
    const res = await post(queue, [
      {
        body: 'x',
        delay: 0,
        reserved_count: 0,
        reserved_until: '0001-01-01T00:00:00Z',
        timeout: 60,
        expires_in: 3600,
      },
    ]);

    expect(res.status).toBe(201);
    expectMatchesSpec(res);
    expect(await sizeOf(queue)).toBe(1);
  });

  test('when 100 messages are posted in one request, all 100 are written', async () => {
    const queue = fresh('post-100');
    const messages = Array.from({ length: 100 }, (_, i) => ({ body: `m${i}` }));

    const res = await post(queue, messages);

    expect(res.status).toBe(201);
    expectMatchesSpec(res);
    expect(res.body.ids).toHaveLength(100);
    expect(new Set(res.body.ids).size).toBe(100);
    expect(await sizeOf(queue)).toBe(100);
  });

  test('when 101 messages are posted in one request, it answers 400 and writes none', async () => {
    const queue = fresh('post-101');
    await postBodies(queue, 'already there');
    const messages = Array.from({ length: 101 }, (_, i) => ({ body: `m${i}` }));

    const res = await post(queue, messages);

    expect(res.status).toBe(400);
    expectMatchesSpec(res);
    expect(res.body.msg).toEqual(expect.any(String));
    expect(await queueInfo(queue)).toMatchObject({ size: 1, total_messages: 1 });
  });

  const badMessages: [string, object][] = [
    ['a number as body', { body: 42 }],
    ['no body', { delay: 0 }],
    ['a null body', { body: null }],
    ['an array as body', { body: ['x'] }],
    ['an object as body', { body: { text: 'x' } }],
    ['a delay over 604800 s', { body: 'x', delay: 604_801 }],
    ['a negative delay', { body: 'x', delay: -1 }],
    ['a fractional delay', { body: 'x', delay: 1.5 }],
    ['a delay that is not a number', { body: 'x', delay: 'soon' }],
    ['a delay that is an array', { body: 'x', delay: [5] }],
    ['push_headers that are not an object', { body: 'x', push_headers: 'X-A: 1' }],
    ['a push header value that is not a string', { body: 'x', push_headers: { 'X-A': 1 } }],
  ];

  test.each(badMessages)(
    'when one message of a batch has %s, it answers 400 and writes none of the batch',
    async (_what, bad) => {
      const queue = fresh('post-all-or-nothing');
      await postBodies(queue, 'already there');

      const res = await post(queue, [{ body: 'good 1' }, bad, { body: 'good 2' }]);

      expect(res.status).toBe(400);
      expectMatchesSpec(res);
      expect(await queueInfo(queue)).toMatchObject({ size: 1, total_messages: 1 });
      expect(await peekIds(queue)).toHaveLength(1);
    },
  );

  const badRequests: [string, object][] = [
    ['no messages field', {}],
    ['an empty messages array', { messages: [] }],
    ['messages that are not an array', { messages: { body: 'x' } }],
    ['a message that is not an object', { messages: ['x'] }],
  ];

  test.each(badRequests)(
    'when the request has %s, it answers 400 and creates no queue',
    async (_what, body) => {
      const queue = fresh('post-bad-request');

      const res = await file.http.post(messagesOf(queue)).send(body);

      expect(res.status).toBe(400);
      expectMatchesSpec(res);
      await expectQueueMissing(queue);
    },
  );

  test('when a message is posted with a delay, it counts in the size but is neither reserved nor peeked until the delay passes', async () => {
    const queue = fresh('post-delay');
    const posted = await post(queue, [{ body: 'later', delay: 10 }]);
    expect(posted.status).toBe(201);
    expectMatchesSpec(posted);
    const [delayed] = posted.body.ids as string[];

    expect(await sizeOf(queue)).toBe(1);
    expect(await peekIds(queue)).toEqual([]);
    expect((await reserve(queue)).body.messages).toEqual([]);

    file.server.clock.advance(9_999);
    expect(await peekIds(queue)).toEqual([]);
    expect((await reserve(queue)).body.messages).toEqual([]);

    file.server.clock.advance(1);
    expect(await peekIds(queue)).toEqual([delayed]);
    const res = await reserve(queue);
    expectMatchesSpec(res);
    expect(res.body.messages.map((m: { id: string }) => m.id)).toEqual([delayed]);
    expect(res.body.messages[0].body).toBe('later');
  });

  test('when a delayed message is posted before an undelayed one, the undelayed one is reserved first', async () => {
    const queue = fresh('post-delay-order');
    const posted = await post(queue, [
      { body: 'late', delay: 30 },
      { body: 'now', delay: 0 },
    ]);
    expect(posted.status).toBe(201);

    const res = await reserve(queue, { n: 2 });

    expectMatchesSpec(res);
    expect(res.body.messages.map((m: { body: string }) => m.body)).toEqual(['now']);
    expect(await sizeOf(queue)).toBe(2);
  });

  describe('push headers', () => {
    test('when a message carries up to 5 valid push headers, they are stored with it', async () => {
      const queue = fresh('push-headers-ok');
      const headers = {
        'X-One': '1',
        'X-Two': '2',
        'X-Three': '3',
        'X-Four': '4',
        Authorization: 'Bearer t',
      };

      const res = await post(queue, [{ body: 'x', push_headers: headers }]);

      expect(res.status).toBe(201);
      expectMatchesSpec(res);
      const got = await file.http.get(messageOf(queue, res.body.ids[0]));
      expectMatchesSpec(got);
      expect(got.body.message.push_headers).toEqual(headers);
    });

    const refused: [string, Record<string, string>][] = [
      ['more than 5 headers', { 'X-1': 'a', 'X-2': 'b', 'X-3': 'c', 'X-4': 'd', 'X-5': 'e', 'X-6': 'f' }],
      ['Content-Type', { 'Content-Type': 'application/json' }],
      ['content-type in lower case', { 'content-type': 'text/plain' }],
      ['User-Agent', { 'User-Agent': 'me' }],
      ['an Iron-* name', { 'Iron-Message-Id': '1' }],
      ['an iron-* name in lower case', { 'iron-anything': '1' }],
      ['a name longer than 64 bytes', { ['X-' + 'a'.repeat(63)]: '1' }],
      ['a value longer than 1 KiB', { 'X-Big': 'v'.repeat(1025) }],
      ['a name that is not a header token', { 'X Bad': '1' }],
    ];

    test.each(refused)(
      'when push_headers have %s, it answers 400 and writes nothing',
      async (_what, headers) => {
        const queue = fresh('push-headers-bad');
        await postBodies(queue, 'already there');

        const res = await post(queue, [{ body: 'good' }, { body: 'x', push_headers: headers }]);

        expect(res.status).toBe(400);
        expectMatchesSpec(res);
        expect(await queueInfo(queue)).toMatchObject({ size: 1, total_messages: 1 });
      },
    );
  });

  describe('message size limit', () => {
    const small = serverForFile({ env: { FERRITE_MAX_MESSAGE_BYTES: '1024' } });

    async function smallQueue(queue: string) {
      const res = await small.http.get(`/queues/${q(queue)}`);
      expect(res.status).toBe(200);
      return res.body.queue as { size: number; total_messages: number };
    }

    test('when a body is exactly the limit in UTF-8 bytes, it is accepted', async () => {
      const res = await small.http
        .post(messagesOf('limit-ok'))
        .send({ messages: [{ body: 'a'.repeat(1024) }, { body: 'é'.repeat(512) }] });

      expect(res.status).toBe(201);
      expectMatchesSpec(res);
      expect((await smallQueue('limit-ok')).size).toBe(2);
    });

    test('when a body is one byte over the limit, it answers 413 and writes nothing', async () => {
      await small.http.post(messagesOf('limit-over')).send({ messages: [{ body: 'already there' }] });

      const res = await small.http
        .post(messagesOf('limit-over'))
        .send({ messages: [{ body: 'a'.repeat(1025) }] });

      expect(res.status).toBe(413);
      expectMatchesSpec(res);
      expect(res.body.msg).toEqual(expect.any(String));
      expect(await smallQueue('limit-over')).toMatchObject({ size: 1, total_messages: 1 });
    });

    test('when the limit is exceeded by multi-byte characters, bytes count, not characters', async () => {
      await small.http.post(messagesOf('limit-utf8')).send({ messages: [{ body: 'already there' }] });

      // 513 characters, 1026 bytes.
      const res = await small.http
        .post(messagesOf('limit-utf8'))
        .send({ messages: [{ body: 'é'.repeat(513) }] });

      expect(res.status).toBe(413);
      expectMatchesSpec(res);
      expect((await smallQueue('limit-utf8')).size).toBe(1);
    });

    test('when one message of a batch is over the limit, it answers 413 and writes none of the batch', async () => {
      await small.http.post(messagesOf('limit-batch')).send({ messages: [{ body: 'already there' }] });

      const res = await small.http
        .post(messagesOf('limit-batch'))
        .send({ messages: [{ body: 'small' }, { body: 'b'.repeat(2000) }, { body: 'small too' }] });

      expect(res.status).toBe(413);
      expectMatchesSpec(res);
      expect(await smallQueue('limit-batch')).toMatchObject({ size: 1, total_messages: 1 });
    });

    test('when an oversized message is posted to a missing queue, the queue is not created', async () => {
      const res = await small.http
        .post(messagesOf('limit-no-queue'))
        .send({ messages: [{ body: 'c'.repeat(1025) }] });

      expect(res.status).toBe(413);
      expectMatchesSpec(res);
      expect((await small.http.get('/queues/limit-no-queue')).status).toBe(404);
    });
  });

  test("when the queue name has spaces, ':', '+' and '=' (Go), messages are posted, reserved and deleted there", async () => {
    const queue = fresh('pushqueue2026-11-22 18:06:06.08 +0000 UTC m=+0.01');

    const [id] = await postBodies(queue, 'odd name');
    const reserved = await reserve(queue);
    const deleted = await file.http
      .delete(messageOf(queue, id!))
      .send({ reservation_id: reserved.body.messages[0].reservation_id });

    expect(reserved.body.messages[0].id).toBe(id);
    expect(deleted.status).toBe(200);
    expectMatchesSpec(deleted);
    expect(await sizeOf(queue)).toBe(0);
  });

  test('when unicode bodies are posted, they come back byte for byte from get, peek and reserve', async () => {
    const queue = fresh('post-unicode');
    const bodies = [
      'héllo wörld',
      '日本語のメッセージ',
      '😀🎉👩‍👩‍👧‍👦',
      'עברית وعربي',
      'e\u0301 (combining) vs \u00e9',
      '\ufeffBOM first',
      'line\r\nbreaks\u2028and\u2029separators\ttab',
      'nul\u0000inside',
      '{"json":"inside","n":1}',
      '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral',
    ];

    const ids = await postBodies(queue, ...bodies);

    for (const [i, id] of ids.entries()) {
      const got = await file.http.get(messageOf(queue, id));
      expectMatchesSpec(got);
      expect(Buffer.from(got.body.message.body as string, 'utf8')).toEqual(Buffer.from(bodies[i]!, 'utf8'));
    }
    const peeked = await file.http.get(`${messagesOf(queue)}?n=${bodies.length}`);
    expectMatchesSpec(peeked);
    expect(peeked.body.messages.map((m: { body: string }) => m.body)).toEqual(bodies);
    const reserved = await reserve(queue, { n: bodies.length });
    expectMatchesSpec(reserved);
    expect(reserved.body.messages.map((m: { body: string }) => Buffer.from(m.body, 'utf8'))).toEqual(
      bodies.map((b) => Buffer.from(b, 'utf8')),
    );
  });
});

describe('peek messages', () => {
  test('when a queue is peeked, the message is shown but not reserved', async () => {
    const queue = fresh('peek-no-reserve');
    const [id] = await postBodies(queue, 'look');

    const res = await file.http.get(`${messagesOf(queue)}?n=1`);

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body.messages).toHaveLength(1);
    expect(res.body.messages[0]).toMatchObject({ id, body: 'look', reserved_count: 0 });
    expect(res.body.messages[0].reservation_id).toBeUndefined();
    const reserved = await reserve(queue);
    expect(reserved.body.messages[0]).toMatchObject({ id, reserved_count: 1 });
  });

  test('when one of three messages is reserved, a peek of 3 shows the other 2 (rb test_touch)', async () => {
    const queue = fresh('peek-hides-reserved');
    const [a, b, c] = await postBodies(queue, 'a', 'b', 'c');
    const reserved = await reserve(queue);
    expect(reserved.body.messages[0].id).toBe(a);

    const res = await file.http.get(`${messagesOf(queue)}?n=3`);

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body.messages.map((m: { id: string }) => m.id)).toEqual([b, c]);
  });

  test('when n is not given, one message is shown, the oldest', async () => {
    const queue = fresh('peek-default');
    const [a] = await postBodies(queue, 'a', 'b', 'c');

    const res = await file.http.get(messagesOf(queue));

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body.messages.map((m: { id: string }) => m.id)).toEqual([a]);
  });

  test('when n is 100, up to 100 messages are shown in FIFO order', async () => {
    const queue = fresh('peek-100');
    const posted = await post(
      queue,
      Array.from({ length: 100 }, (_, i) => ({ body: String(i) })),
    );

    const res = await file.http.get(`${messagesOf(queue)}?n=100`);

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body.messages.map((m: { id: string }) => m.id)).toEqual(posted.body.ids);
  });

  test.each(['101', '-1', '1.5', 'abc', '1e3', '1&n=2'])('when n is %s, it answers 400', async (n) => {
    const queue = fresh('peek-bad-n');
    const [id] = await postBodies(queue, 'x');

    const res = await file.http.get(`${messagesOf(queue)}?n=${n}`);

    expect(res.status).toBe(400);
    expectMatchesSpec(res);
    expect(await peekIds(queue)).toEqual([id]);
  });

  test('when the queue does not exist, it answers 404 Queue not found', async () => {
    const res = await file.http.get(`${messagesOf(fresh('peek-missing'))}?n=1`);

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Queue not found' });
  });
});

describe('get a message by id', () => {
  test('when the message exists, it answers 200 with the message', async () => {
    const queue = fresh('get-one');
    const [id] = await postBodies(queue, 'hello');

    const res = await file.http.get(messageOf(queue, id!));

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body.message).toMatchObject({ id, body: 'hello', reserved_count: 0 });
  });

  test('when the message has been reserved, get shows its reserved_count and does not reserve it again', async () => {
    const queue = fresh('get-reserved');
    const [id] = await postBodies(queue, 'hello');
    await reserve(queue);

    const res = await file.http.get(messageOf(queue, id!));

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body.message).toMatchObject({ id, reserved_count: 1 });
  });

  test.each([
    ['an unknown id', '999999999'],
    ['a non-numeric id', 'not-a-number'],
    ['an id too large for an integer', '99999999999999999999999'],
  ])('when asked for %s, it answers 404 Message not found', async (_what, id) => {
    const queue = fresh('get-unknown');
    await postBodies(queue, 'x');

    const res = await file.http.get(messageOf(queue, id));

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Message not found' });
  });

  test('when asked for the id of a message in another queue, it answers 404 and the message stays in its queue', async () => {
    const mine = fresh('get-mine');
    const other = fresh('get-other');
    await postBodies(mine, 'mine');
    const [otherId] = await postBodies(other, 'theirs');

    const res = await file.http.get(messageOf(mine, otherId!));

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Message not found' });
    expect((await file.http.get(messageOf(other, otherId!))).status).toBe(200);
  });

  test('when the queue does not exist, it answers 404 Queue not found', async () => {
    const res = await file.http.get(messageOf(fresh('get-missing'), '1'));

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Queue not found' });
  });
});

describe('delete one message', () => {
  test('when an unreserved message is deleted without a reservation_id, it answers Deleted and the message is gone', async () => {
    const queue = fresh('delete-unreserved');
    const [id] = await postBodies(queue, 'x');

    const res = await file.http.delete(messageOf(queue, id!)).send({});

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Deleted' });
    expect(await sizeOf(queue)).toBe(0);
    expect((await file.http.get(messageOf(queue, id!))).status).toBe(404);
  });

  test('when a reserved message is deleted with its reservation_id, it answers Deleted and never comes back', async () => {
    const queue = fresh('delete-reserved');
    await postBodies(queue, 'x');
    const [message] = (await reserve(queue, { timeout: 5 })).body.messages;

    const res = await file.http
      .delete(messageOf(queue, message.id))
      .send({ reservation_id: message.reservation_id });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Deleted' });
    expect(await sizeOf(queue)).toBe(0);
    file.server.clock.advance(6_000);
    expect((await reserve(queue)).body.messages).toEqual([]);
  });

  test('when a reserved message is deleted without a reservation_id, it answers 403 and the message stays', async () => {
    const queue = fresh('delete-reserved-no-id');
    await postBodies(queue, 'x');
    const [message] = (await reserve(queue)).body.messages;

    const res = await file.http.delete(messageOf(queue, message.id)).send({});

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(res.body.msg).toEqual(expect.any(String));
    expect(await sizeOf(queue)).toBe(1);
    const again = await file.http
      .delete(messageOf(queue, message.id))
      .send({ reservation_id: message.reservation_id });
    expect(again.status).toBe(200);
  });

  test('when a reserved message is deleted with an empty reservation_id (Go), that means none and it answers 403', async () => {
    const queue = fresh('delete-reserved-empty-id');
    await postBodies(queue, 'x');
    const [message] = (await reserve(queue)).body.messages;

    const res = await file.http.delete(messageOf(queue, message.id)).send({ reservation_id: '' });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await sizeOf(queue)).toBe(1);
  });

  test('when an unreserved message is deleted with an empty reservation_id (Go), it answers Deleted', async () => {
    const queue = fresh('delete-unreserved-empty-id');
    const [id] = await postBodies(queue, 'x');

    const res = await file.http.delete(messageOf(queue, id!)).send({ reservation_id: '' });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Deleted' });
    expect(await sizeOf(queue)).toBe(0);
  });

  test('when a reserved message is deleted with a wrong reservation_id, it answers 403 and the message stays', async () => {
    const queue = fresh('delete-wrong-id');
    await postBodies(queue, 'x');
    const [message] = (await reserve(queue)).body.messages;

    const res = await file.http.delete(messageOf(queue, message.id)).send({ reservation_id: 'not-the-one' });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await sizeOf(queue)).toBe(1);
    expect(
      (await file.http.delete(messageOf(queue, message.id)).send({ reservation_id: message.reservation_id }))
        .status,
    ).toBe(200);
  });

  test('when a reservation has timed out, its reservation_id is refused with 403 and the message stays (rb test_reservation_ids)', async () => {
    const queue = fresh('delete-timed-out');
    await postBodies(queue, 'x');
    const [message] = (await reserve(queue, { timeout: 3 })).body.messages;
    file.server.clock.advance(3_001);

    const res = await file.http
      .delete(messageOf(queue, message.id))
      .send({ reservation_id: message.reservation_id });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await sizeOf(queue)).toBe(1);
    const again = await reserve(queue);
    expect(again.body.messages.map((m: { id: string }) => m.id)).toEqual([message.id]);
  });

  test('when an unreserved message is deleted with some reservation_id, it answers 403 and the message stays', async () => {
    const queue = fresh('delete-unreserved-with-id');
    const [id] = await postBodies(queue, 'x');

    const res = await file.http.delete(messageOf(queue, id!)).send({ reservation_id: 'made-up' });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await peekIds(queue)).toEqual([id]);
  });

  test.each([
    ['an unknown id', '999999999'],
    ['a non-numeric id', 'abc'],
  ])('when %s is deleted, it answers 404 Message not found and nothing changes', async (_what, id) => {
    const queue = fresh('delete-unknown');
    const [kept] = await postBodies(queue, 'x');

    const res = await file.http.delete(messageOf(queue, id)).send({});

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Message not found' });
    expect(await peekIds(queue)).toEqual([kept]);
  });

  test('when a message is deleted from a queue that does not exist, it answers 404 Queue not found', async () => {
    const queue = fresh('delete-missing');

    const res = await file.http.delete(messageOf(queue, '1')).send({});

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Queue not found' });
    await expectQueueMissing(queue);
  });
});

describe('delete many messages', () => {
  test('when ids are given as objects with reservation ids, it deletes them all', async () => {
    const queue = fresh('batch-objects');
    await postBodies(queue, 'a', 'b', 'c');
    const reserved = (await reserve(queue, { n: 2 })).body.messages as {
      id: string;
      reservation_id: string;
    }[];
    const [unreserved] = await peekIds(queue);

    const res = await file.http.delete(messagesOf(queue)).send({
      ids: [
        ...reserved.map((m) => ({ id: m.id, reservation_id: m.reservation_id })),
        { id: unreserved, reservation_id: '' },
      ],
    });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Deleted' });
    expect(await sizeOf(queue)).toBe(0);
  });

  test('when ids are given as bare strings (PHP), it deletes those messages only', async () => {
    const queue = fresh('batch-strings');
    const [a, b, c] = await postBodies(queue, 'a', 'b', 'c');

    const res = await file.http.delete(messagesOf(queue)).send({ ids: [a, b] });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Deleted' });
    expect(await peekIds(queue)).toEqual([c]);
  });

  test('when ids is an empty array (Go with no ids), it deletes nothing and does not clear the queue', async () => {
    const queue = fresh('batch-empty');
    const posted = await postBodies(queue, 'a', 'b');

    const res = await file.http.delete(messagesOf(queue)).send({ ids: [] });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Deleted' });
    expect(await peekIds(queue)).toEqual(posted);
  });

  test('when 101 ids are given, it answers 400 and deletes none', async () => {
    const queue = fresh('batch-101');
    const posted = await post(
      queue,
      Array.from({ length: 100 }, (_, i) => ({ body: String(i) })),
    );
    const ids = [...(posted.body.ids as string[]), '999999999'];

    const res = await file.http.delete(messagesOf(queue)).send({ ids });

    expect(res.status).toBe(400);
    expectMatchesSpec(res);
    expect(await sizeOf(queue)).toBe(100);
  });

  test('when one reservation in the batch is wrong, it answers 403 and deletes none', async () => {
    const queue = fresh('batch-one-bad');
    await postBodies(queue, 'a', 'b');
    const [a, b] = (await reserve(queue, { n: 2 })).body.messages as { id: string; reservation_id: string }[];

    const res = await file.http.delete(messagesOf(queue)).send({
      ids: [
        { id: a!.id, reservation_id: a!.reservation_id },
        { id: b!.id, reservation_id: 'wrong' },
      ],
    });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await sizeOf(queue)).toBe(2);
    const retry = await file.http.delete(messagesOf(queue)).send({
      ids: [
        { id: a!.id, reservation_id: a!.reservation_id },
        { id: b!.id, reservation_id: b!.reservation_id },
      ],
    });
    expect(retry.status).toBe(200);
    expect(await sizeOf(queue)).toBe(0);
  });

  test('when a reserved message in the batch has no reservation_id, it answers 403 and deletes none', async () => {
    const queue = fresh('batch-missing-reservation');
    const [a] = await postBodies(queue, 'a', 'b');
    const [reservedB] = (await reserve(queue, { n: 2 })).body.messages.slice(1) as { id: string }[];

    const res = await file.http.delete(messagesOf(queue)).send({ ids: [{ id: a }, { id: reservedB!.id }] });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await sizeOf(queue)).toBe(2);
  });

  test('when one id in the batch is unknown, it answers 404 and deletes none', async () => {
    const queue = fresh('batch-unknown');
    const [a, b] = await postBodies(queue, 'a', 'b');

    const res = await file.http.delete(messagesOf(queue)).send({ ids: [a, '999999999', b] });

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(await peekIds(queue)).toEqual([a, b]);
  });
});

describe('clear a queue', () => {
  async function filledQueue(name: string): Promise<string> {
    const queue = fresh(name);
    await postBodies(queue, 'a', 'b', 'c');
    await reserve(queue); // reserved messages are cleared too
    return queue;
  }

  test('when DELETE …/messages has an empty object body, it answers Cleared and the queue is empty', async () => {
    const queue = await filledQueue('clear-empty-object');

    const res = await file.http.delete(messagesOf(queue)).send({});

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Cleared' });
    expect(await sizeOf(queue)).toBe(0);
    expect(await peekIds(queue)).toEqual([]);
  });

  test('when DELETE …/messages has no body (Python), it answers Cleared', async () => {
    const queue = await filledQueue('clear-no-body');

    const res = await file.http.delete(messagesOf(queue));

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Cleared' });
    expect(await sizeOf(queue)).toBe(0);
  });

  test('when DELETE …/messages carries only the token in the body (PHP), it answers Cleared', async () => {
    const queue = await filledQueue('clear-oauth-body');

    const res = await file.http.raw
      .delete(`/3/projects/${file.server.projectId}${messagesOf(queue)}`)
      .set('Content-Type', 'application/json')
      .send({ oauth: file.server.token });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Cleared' });
    expect(await sizeOf(queue)).toBe(0);
  });

  test('when a cleared queue gets a new message, only that message is there', async () => {
    const queue = await filledQueue('clear-then-post');
    await file.http.delete(messagesOf(queue)).send({});

    const [id] = await postBodies(queue, 'new');

    expect(await peekIds(queue)).toEqual([id]);
    expect(await sizeOf(queue)).toBe(1);
  });

  test('when the queue does not exist, it answers 404 Queue not found and does not create it', async () => {
    const queue = fresh('clear-missing');

    const res = await file.http.delete(messagesOf(queue)).send({});

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Queue not found' });
    await expectQueueMissing(queue);
  });
});
