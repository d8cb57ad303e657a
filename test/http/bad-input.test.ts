import { connect } from 'node:net';
import type { Response } from 'supertest';
import { api, q } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
let http: ReturnType<typeof api>;

/** A queue with settings and a message, which no refused request may touch. */
const STABLE = 'stable';

beforeAll(async () => {
  server = await startServer();
  http = api(server);
  const created = await http.put(`/queues/${STABLE}`).send({ queue: { message_timeout: 45 } });
  expect(created.status).toBe(200);
  const posted = await http.post(`/queues/${STABLE}/messages`).send({ messages: [{ body: 'keep me' }] });
  expect(posted.status).toBe(201);
});
afterAll(() => server.destroy());

/** Everything a refused request could have changed: the queue list (with sizes and times) and STABLE's messages. */
async function snapshot(): Promise<{ queues: unknown; messages: unknown }> {
  const list = await http.get('/queues?per_page=100');
  const peek = await http.get(`/queues/${STABLE}/messages?n=100`);
  expect([list.status, peek.status]).toEqual([200, 200]);
  return { queues: list.body, messages: peek.body };
}

/**
 * Runs refused requests and checks that each answers `status` with a JSON `{"msg": …}` and that nothing changed.
 * The clock moves first, so that any write would show in `updated_at`. `documented: false` is for paths that
 * openapi.yaml cannot list (unknown routes), whose answers are checked here for their JSON shape only.
 */
async function expectRefused(
  requests: (() => PromiseLike<Response>)[],
  status: number,
  msg: string | RegExp = /\S/,
  { documented = true } = {},
): Promise<void> {
  const before = await snapshot();
  server.clock.advance(1000);
  for (const request of requests) {
    const res = await request();
    if (documented) expectMatchesSpec(res);
    expect(res.headers['content-type']).toBe('application/json');
    expect({ status: res.status, body: res.body }).toEqual({
      status,
      body: { msg: typeof msg === 'string' ? msg : expect.stringMatching(msg) },
    });
  }
  expect(await snapshot()).toEqual(before);
}

/** Sends `body` as the exact bytes given, with a JSON Content-Type (superagent would re-serialize otherwise). */
function withRawBody(
  start: (path: string) => ReturnType<ReturnType<typeof api>['put']>,
  path: string,
  body: string | Buffer,
) {
  return () =>
    start(path)
      .set('Content-Type', 'application/json')
      .serialize((data: unknown) => data as string)
      .send(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}

/** The routes that read a JSON body, each aimed at STABLE or at a queue that must not come to exist. */
function bodyRoutes(body: string | Buffer) {
  return [
    withRawBody(http.put, `/queues/${STABLE}`, body),
    withRawBody(http.put, '/queues/not-created', body),
    withRawBody(http.post, '/queues/not-created', body),
    withRawBody(http.patch, `/queues/${STABLE}`, body),
    withRawBody(http.post, '/queues/not-created/messages', body),
    withRawBody(http.post, `/queues/${STABLE}/messages`, body),
    withRawBody(http.post, `/queues/${STABLE}/reservations`, body),
    withRawBody(http.delete, `/queues/${STABLE}/messages`, body),
    withRawBody(http.delete, `/queues/${STABLE}`, body),
  ];
}

describe('bodies that are not a JSON object', () => {
  test.each([
    ['invalid JSON', '{"queue":', 'Request body is not valid JSON'],
    ['JSON with a trailing comma', '{"queue":{},}', 'Request body is not valid JSON'],
    ['single-quoted JSON', "{'queue':{}}", 'Request body is not valid JSON'],
    ['a JSON array', '[{"queue":{}}]', 'Request body must be a JSON object'],
    ['an empty JSON array', '[]', 'Request body must be a JSON object'],
    ['a JSON string', '"queue"', 'Request body must be a JSON object'],
    ['a JSON number', '42', 'Request body must be a JSON object'],
    ['JSON null', 'null', 'Request body must be a JSON object'],
    ['JSON true', 'true', 'Request body must be a JSON object'],
    ['form data', 'queue[message_timeout]=45', 'Request body is not valid JSON'],
  ])('when the body is %s, every route answers 400 and nothing changes', async (_what, body, msg) => {
    await expectRefused(bodyRoutes(body), 400, msg);
  });

  test.each([
    ['a lone 0xff byte', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ['a truncated sequence', Buffer.from('{"queue":{"x":"\xe2\x82"}}', 'latin1')],
    ['an overlong "/"', Buffer.from('{"queue":{"x":"\xc0\xaf"}}', 'latin1')],
    ['a UTF-16 surrogate', Buffer.from('{"queue":{"x":"\xed\xa0\x80"}}', 'latin1')],
  ])(
    'when the body holds invalid UTF-8 (%s), every route answers 400 and nothing changes',
    async (_what, body) => {
      await expectRefused(bodyRoutes(body), 400, 'Request body is not valid UTF-8');
    },
  );

  test('when the body nests arrays thousands deep, every route answers 400, not 500', async () => {
    const deep = '['.repeat(5000) + '1' + ']'.repeat(5000);

    await expectRefused(
      [
        ...bodyRoutes(`{"queue":{"message_timeout":${deep}}}`),
        ...bodyRoutes(`{"queue":{"type":${deep}}}`),
        ...bodyRoutes(`{"n":${deep},"timeout":${deep}}`),
        ...bodyRoutes(deep),
      ],
      400,
      'Request body is nested too deeply',
    );
  });

  test('when the body nests as deep as a real push-queue body, it is still read', async () => {
    const res = await http
      .put('/queues/nested-ok')
      .send({ queue: { message_timeout: 30, extra: { a: [{ b: { c: [[{ d: 1 }]] } }] } } });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue.message_timeout).toBe(30);
    expect((await http.delete('/queues/nested-ok')).status).toBe(200);
  });

  test('when the body has a __proto__ key, it is not a setting and pollutes nothing', async () => {
    const res = await withRawBody(
      http.put,
      '/queues/proto',
      '{"__proto__":{"queue":{"message_timeout":5}},"queue":{"__proto__":{"message_timeout":7}}}',
    )();

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue.message_timeout).toBe(60);
    expect(({} as Record<string, unknown>).message_timeout).toBeUndefined();
    expect(({} as Record<string, unknown>).queue).toBeUndefined();
    expect((await http.delete('/queues/proto')).status).toBe(200);
  });
});

describe('queue settings of the wrong type or out of range', () => {
  const TIMEOUT = 'queue.message_timeout must be a whole number from 0 to 86400';
  const EXPIRATION = 'queue.message_expiration must be a whole number from 0 to 2592000';
  const MAX_RESERVATIONS = 'queue.dead_letter.max_reservations must be a whole number from 0 to 1000';

  const cases: [string, unknown, string | RegExp][] = [
    ['message_timeout "abc"', { message_timeout: 'abc' }, TIMEOUT],
    ['message_timeout ""', { message_timeout: '' }, TIMEOUT],
    ['message_timeout 1.5', { message_timeout: 1.5 }, TIMEOUT],
    ['message_timeout "1.5"', { message_timeout: '1.5' }, TIMEOUT],
    ['message_timeout -1', { message_timeout: -1 }, TIMEOUT],
    ['message_timeout 1e30', { message_timeout: 1e30 }, TIMEOUT],
    ['message_timeout true', { message_timeout: true }, TIMEOUT],
    ['message_timeout {}', { message_timeout: {} }, TIMEOUT],
    ['message_timeout []', { message_timeout: [] }, TIMEOUT],
    ['message_timeout [45]', { message_timeout: [45] }, TIMEOUT],
    ['message_timeout [45, 46]', { message_timeout: [45, 46] }, TIMEOUT],
    ['message_timeout 86401 (over a day)', { message_timeout: 86401 }, TIMEOUT],
    ['message_expiration "soon"', { message_expiration: 'soon' }, EXPIRATION],
    ['message_expiration -5', { message_expiration: -5 }, EXPIRATION],
    ['message_expiration []', { message_expiration: [] }, EXPIRATION],
    ['message_expiration 2592001 (over 30 days)', { message_expiration: 2592001 }, EXPIRATION],
    ['type "fifo"', { type: 'fifo' }, 'queue.type must be pull, multicast or unicast'],
    ['type 5', { type: 5 }, 'queue.type must be pull, multicast or unicast'],
    ['type ["pull"]', { type: ['pull'] }, /\S/],
    ['dead_letter "dlq"', { dead_letter: 'dlq' }, 'queue.dead_letter must be a JSON object'],
    [
      'dead_letter queue_name 5',
      { dead_letter: { queue_name: 5 } },
      'queue.dead_letter.queue_name must be a string',
    ],
    [
      'dead_letter queue_name with a slash',
      { dead_letter: { queue_name: 'a/b' } },
      'The dead_letter queue_name contains a character that is not allowed',
    ],
    [
      'dead_letter queue_name of 256 characters',
      { dead_letter: { queue_name: 'd'.repeat(256) } },
      'The dead_letter queue_name is longer than 255 characters',
    ],
    [
      'dead_letter max_reservations 1001',
      { dead_letter: { queue_name: 'dlq', max_reservations: 1001 } },
      MAX_RESERVATIONS,
    ],
    [
      'dead_letter max_reservations -1',
      { dead_letter: { queue_name: 'dlq', max_reservations: -1 } },
      MAX_RESERVATIONS,
    ],
    ['push "yes"', { push: 'yes' }, 'queue.push must be a JSON object'],
    ['alerts {}', { alerts: {} }, 'queue.alerts must be an array of at most 10 alerts'],
  ];

  test.each(cases)(
    'when a queue is created or updated with %s, it answers 400 and nothing changes',
    async (_what, queue, msg) => {
      await expectRefused(
        [
          () => http.put(`/queues/${STABLE}`).send({ queue }),
          () => http.patch(`/queues/${STABLE}`).send({ queue }),
          () => http.post(`/queues/${STABLE}`).set('X-HTTP-Method-Override', 'PATCH').send({ queue }),
          () => http.put('/queues/not-created').send({ queue }),
          () => http.post('/queues/not-created').send({ queue }),
        ],
        400,
        msg,
      );
    },
  );

  test.each([
    ['a string', 'x'],
    ['an array', []],
    ['a number', 5],
  ])('when "queue" is %s, it answers 400 and nothing changes', async (_what, queue) => {
    await expectRefused(
      [
        () => http.put(`/queues/${STABLE}`).send({ queue }),
        () => http.patch(`/queues/${STABLE}`).send({ queue }),
        () => http.put('/queues/not-created').send({ queue }),
      ],
      400,
      'queue must be a JSON object',
    );
  });

  test('when message_timeout is a string of digits, it is read as the number', async () => {
    const res = await http.put('/queues/digits').send({ queue: { message_timeout: '45' } });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue.message_timeout).toBe(45);
    expect((await http.delete('/queues/digits')).status).toBe(200);
  });
});

describe('list parameters of the wrong type', () => {
  test.each([
    ['per_page=abc', /^per_page /],
    ['per_page=-1', /^per_page /],
    ['per_page=1.5', /^per_page /],
    ['per_page=1&per_page=2', /^per_page /],
    ['prefix=a&prefix=b', 'prefix must be a string'],
    ['previous=a&previous=b', 'previous must be a string'],
  ])('when the list is asked with %s, it answers 400', async (query, msg) => {
    await expectRefused([() => http.get(`/queues?${query}`)], 400, msg);
  });
});

describe('bodies over FERRITE_MAX_REQUEST_BYTES', () => {
  let small: TestServer;
  let smallHttp: ReturnType<typeof api>;
  const LIMIT = 2048;

  beforeAll(async () => {
    small = await startServer({ env: { FERRITE_MAX_REQUEST_BYTES: String(LIMIT) } });
    smallHttp = api(small);
  });
  afterAll(() => small.destroy());

  const bodyOfSize = (size: number) => {
    const frame = JSON.stringify({ messages: [{ body: '' }] });
    return JSON.stringify({ messages: [{ body: 'x'.repeat(size - frame.length) }] });
  };

  test('when a body is larger than the limit, it answers 413 and nothing is created', async () => {
    const body = bodyOfSize(LIMIT + 1);

    const posted = await smallHttp.post('/queues/too-big/messages').type('json').send(body);
    const put = await smallHttp
      .put('/queues/too-big')
      .type('json')
      .send(JSON.stringify({ queue: {}, padding: 'p'.repeat(4 * LIMIT) }));

    for (const res of [posted, put]) {
      expectMatchesSpec(res);
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ msg: 'Request body is too large' });
    }
    const list = await smallHttp.get('/queues');
    expect(list.body).toEqual({ queues: [] });
  });

  test('when a body without Content-Length (chunked) grows past the limit, it answers 413', async () => {
    const request = smallHttp.post('/queues/too-big-chunked/messages').type('json');
    request.write('{"messages":[{"body":"');
    request.write('y'.repeat(LIMIT));
    request.write('"}]}');

    const res = await request;

    expectMatchesSpec(res);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ msg: 'Request body is too large' });
    expect((await smallHttp.get('/queues/too-big-chunked')).status).toBe(404);
  });

  test('when a body is exactly at the limit, it is accepted', async () => {
    const body = bodyOfSize(LIMIT);
    expect(Buffer.byteLength(body)).toBe(LIMIT);

    const res = await smallHttp.post('/queues/just-fits/messages').type('json').send(body);

    expectMatchesSpec(res);
    expect(res.status).toBe(201);
  });
});

describe('routes and methods that do not exist', () => {
  test('GET and PUT / answer 404 {"msg":"Not found"} (POST / is the SQS API: test/sqs)', async () => {
    await expectRefused([() => http.raw.get('/'), () => http.raw.put('/').send({})], 404, 'Not found', {
      documented: false,
    });
  });

  test.each([
    '/nope',
    '/3',
    '/3/projects',
    `/2/projects/PROJECT/queues`,
    `/3/projects/PROJECT`,
    `/3/projects/PROJECT/nope`,
    `/3/projects/PROJECT/queues/${STABLE}/nope`,
    `/3/projects/PROJECT/queues/${STABLE}/messages/1/nope`,
    `/3/projects/PROJECT/queues/${STABLE}/messages/1/touch/again`,
  ])('when %s is requested, it answers 404 {"msg":"Not found"}', async (template) => {
    const path = template.replace('PROJECT', server.projectId);
    const auth = `OAuth ${server.token}`;

    await expectRefused(
      [
        () => http.raw.get(path).set('Authorization', auth),
        () =>
          http.raw
            .post(path)
            .set('Authorization', auth)
            .send({ messages: [{ body: 'lost' }] }),
        () => http.raw.put(path).set('Authorization', auth).send({}),
      ],
      404,
      'Not found',
      // openapi.yaml documents the routes that exist; these paths have no operation to match by definition.
      { documented: false },
    );
  });

  test.each([
    ['PUT', '/queues', ['GET']],
    ['POST', '/queues', ['GET']],
    ['PATCH', '/queues', ['GET']],
    ['DELETE', '/queues', ['GET']],
    ['PUT', `/queues/${STABLE}/messages`, ['DELETE', 'GET', 'POST']],
    ['PATCH', `/queues/${STABLE}/messages`, ['DELETE', 'GET', 'POST']],
    ['PUT', `/queues/${STABLE}/messages/1`, ['DELETE', 'GET']],
    ['POST', `/queues/${STABLE}/messages/1`, ['DELETE', 'GET']],
    ['PUT', `/queues/${STABLE}/reservations`, ['GET', 'POST']],
    ['DELETE', `/queues/${STABLE}/reservations`, ['GET', 'POST']],
    ['PUT', `/queues/${STABLE}/messages/1/touch`, ['DELETE', 'POST']],
    ['GET', `/queues/${STABLE}/messages/1/release`, ['DELETE', 'POST']],
    ['OPTIONS', `/queues/${STABLE}`, ['DELETE', 'GET', 'PATCH', 'POST', 'PUT']],
  ])('when %s %s is requested, it answers 405 with an Allow header', async (method, path, allowed) => {
    const responses: Response[] = [];
    await expectRefused(
      [
        async () => {
          const url = `/3/projects/${server.projectId}${path}`;
          const res = await http.raw[method.toLowerCase() as 'get'](url)
            .set('Authorization', `OAuth ${server.token}`)
            .send({ messages: [{ body: 'lost' }], n: 1 });
          responses.push(res);
          return res;
        },
      ],
      405,
      'Method not allowed',
    );
    expect(responses[0]!.headers.allow?.split(', ').sort()).toEqual(allowed);
  });

  test('when X-HTTP-Method-Override asks for a method a path does not serve, it answers 405', async () => {
    await expectRefused(
      [
        () => http.post(`/queues/${STABLE}/messages`).set('X-HTTP-Method-Override', 'PUT').send({}),
        () => http.post(`/queues/${STABLE}/reservations`).set('X-HTTP-Method-Override', 'DELETE').send({}),
      ],
      405,
      'Method not allowed',
    );
  });
});

describe('queue names in the path that cannot be', () => {
  test.each(['%zz', '%', 'a%E0%A4%A', '%C0%AF', 'ok%2'])(
    'when the queue name "%s" is malformed percent-encoding, it answers 400',
    async (name) => {
      await expectRefused(
        [
          () => http.get(`/queues/${name}`),
          () => http.put(`/queues/${name}`).send({}),
          () => http.post(`/queues/${name}/messages`).send({ messages: [{ body: 'lost' }] }),
          () => http.delete(`/queues/${name}`).send({}),
        ],
        400,
      );
    },
  );

  test('when the project id in the path is malformed percent-encoding, it answers 400', async () => {
    await expectRefused(
      [() => http.raw.get('/3/projects/%zz/queues').set('Authorization', `OAuth ${server.token}`)],
      400,
    );
  });

  const longName = 'n'.repeat(256);
  test.each([
    ['256 characters long', q(longName), 'The queue name is longer than 255 characters'],
    ['256 accented characters long', q('é'.repeat(256)), 'The queue name is longer than 255 characters'],
    ['holding a NUL', 'a%00b', 'The queue name contains a character that is not allowed'],
    ['holding a newline', 'a%0Ab', 'The queue name contains a character that is not allowed'],
    ['holding a tab', 'a%09b', 'The queue name contains a character that is not allowed'],
    ['holding DEL', 'a%7Fb', 'The queue name contains a character that is not allowed'],
    ['holding an encoded slash', 'a%2Fb', 'The queue name contains a character that is not allowed'],
    ['"..", raw', '..', 'The queue name contains a character that is not allowed'],
    ['"..", encoded', '%2E%2E', 'The queue name contains a character that is not allowed'],
    ['".", encoded', '%2E', 'The queue name contains a character that is not allowed'],
  ])(
    'when the queue name is %s, creating it answers 400 and nothing is created',
    async (_what, name, msg) => {
      await expectRefused(
        [
          () => http.put(`/queues/${name}`).send({}),
          () => http.post(`/queues/${name}`).send({}),
          () => http.patch(`/queues/${name}`).send({ queue: { message_timeout: 30 } }),
          () => http.post(`/queues/${name}/messages`).send({ messages: [{ body: 'lost' }] }),
        ],
        400,
        msg,
      );
    },
  );

  test('when the queue name is 255 characters long, it is accepted', async () => {
    const name = 'n'.repeat(255);

    const res = await http.put(`/queues/${name}`).send({});

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue.name).toBe(name);
    expect((await http.delete(`/queues/${name}`)).status).toBe(200);
  });
});

describe('malformed HTTP', () => {
  interface RawAnswer {
    statusLine: string;
    headers: Record<string, string>;
    body: string;
  }

  /** Writes `data` on a fresh TCP connection and reads until the server closes it. */
  function rawExchange(data: string): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write(data));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const [head = '', body = ''] = text.split('\r\n\r\n');
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        resolve({ statusLine, headers, body });
      });
    });
  }

  const auth = () => `Authorization: OAuth ${server.token}\r\n`;
  const queuePath = () => `/3/projects/${server.projectId}/queues/raw-created`;

  test.each([
    ['garbage instead of a request line', () => 'GARBAGE\r\n\r\n'],
    ['a header line without a colon', () => `GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n`],
    [
      'a Content-Length that is not a number',
      () => `PUT ${queuePath()} HTTP/1.1\r\nHost: x\r\n${auth()}Content-Length: abc\r\n\r\n{}`,
    ],
    [
      'both Content-Length and chunked Transfer-Encoding',
      () =>
        `PUT ${queuePath()} HTTP/1.1\r\nHost: x\r\n${auth()}Content-Length: 2\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n{}`,
    ],
    [
      'a bad chunk size',
      () =>
        `PUT ${queuePath()} HTTP/1.1\r\nHost: x\r\n${auth()}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    ],
  ])(
    'when the request has %s, it answers 400 with a JSON body and nothing is created',
    async (_what, data) => {
      const before = await snapshot();

      const answer = await rawExchange(data());

      expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
      expect(JSON.parse(answer.body)).toEqual({ msg: 'Bad request' });
      expect(await snapshot()).toEqual(before);
    },
  );

  test('when the headers are too large, it answers 431 with a JSON body', async () => {
    const answer = await rawExchange(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );

    expect(answer.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ msg: 'Headers too large' });
  });
});
