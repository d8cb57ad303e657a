import type { Response, Test } from 'supertest';
import type { TestServer } from '../helpers/server';
import { JSON_TYPE, TEXT, cq, login, startCq, wire } from './cq';

/**
 * Every /api route, success and each error, as one story over one server: status, exact Content-Type and exact
 * body bytes (spec crimsonq §2.3; errors as CrimsonQ intended, §6.2). Rows run in order and share `ctx`.
 */

interface Ctx {
  server: TestServer;
  api: ReturnType<typeof cq>;
  /** Ids captured from X-Message-Ids. */
  ids: Record<string, string>;
}

type Body = string | ((ctx: Ctx) => string);
type Row = [
  name: string,
  send: (ctx: Ctx) => Test,
  status: number,
  type: string,
  body: Body,
  after?: (res: Response, ctx: Ctx) => void,
];

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';
const T2 = '2026-01-01T00:00:02.000Z';

const json = (value: unknown) => JSON.stringify(value);
const error = (code: string): [number, string, string] => [400, TEXT, code];
const E001 = error('001:incorrect_consumer_id');
const E002 = error('002:no_data_returned');
const E003 = error('003:incorrect_status');
const E004 = error('004:consumer_exists');
const E005 = error('005:pull_exceeded_concurrency');
const E006 = error('006:incorrect message id');
const E008 = error('008: incorrect_args');
const OK_TEXT: [number, string, string] = [200, TEXT, 'Ok'];

const COMMAND_LIST = [
  'ping [messageString]',
  'quit []',
  'auth [password]',
  'command []',
  'info []',
  'subscribe [consumerId]',
  'consumer.exists [consumerId]',
  'consumer.create [consumerId] [topics] [concurrency]',
  'consumer.destroy [consumerId]',
  'consumer.list []',
  'msg.keys [consumerId]',
  'msg.counts [consumerId]',
  'msg.push.topic [topicString] [messageString]',
  'msg.push.consumer [consumerId] [messageString]',
  'msg.pull [consumerId]',
  'msg.del [consumerId] [status] [messageId]',
  'msg.fail [consumerId] [messageId] [errMsg]',
  'msg.complete [consumerId] [messageId]',
  'msg.retry [consumerId] [messageId]',
  'msg.retryall [consumerId]',
  'consumer.flush.complete [consumerId]',
  'consumer.flush.failed [consumerId]',
  'consumer.topics.set [consumerId] [topics]',
  'consumer.topics.get [consumerId]',
  'consumer.concurrency.set [consumerId] [concurrency]',
  'msg.list.json [consumerId] [status]',
  'consumer.concurrency.ok [consumerId]',
  'consumer.info [consumerId]',
];

const ZERO_COUNTS = '{"active":0,"completed":0,"delayed":0,"failed":0,"pending":0}';

/** A message as CrimsonQ marshals it, in its field order. */
function message(
  key: string,
  topic: string,
  value: string,
  status: string,
  history: Record<string, string>,
  err?: string,
) {
  return { key, topic, value, status, statusHistory: history, ...(err === undefined ? {} : { error: err }) };
}

const get = (path: string) => (c: Ctx) => c.api.get(path);
const post = (path: string, body?: object) => (c: Ctx) => c.api.post(path, body);

const rows: Row[] = [
  // The server itself
  [
    'GET /api/info',
    get('/api/info'),
    200,
    JSON_TYPE,
    json(['Ferrite CrimsonQ API', 'CrimsonQ-compatible REST interface on the Ferrite engine']),
  ],
  [
    'GET /api/info/ (trailing slash, as the dashboard sends)',
    get('/api/info/'),
    200,
    JSON_TYPE,
    json(['Ferrite CrimsonQ API', 'CrimsonQ-compatible REST interface on the Ferrite engine']),
  ],
  [
    'GET /api/command lists the 28 commands in CrimsonQ format',
    get('/api/command'),
    200,
    JSON_TYPE,
    json(COMMAND_LIST),
  ],
  ['GET /api/ping/:messageString', get('/api/ping/hello'), 200, JSON_TYPE, '"Pong! hello"'],
  [
    'GET /api/ping escapes <, > and & as Go does',
    get('/api/ping/%3Cb%3E%26'),
    200,
    JSON_TYPE,
    '"Pong! \\u003cb\\u003e\\u0026"',
  ],
  ['GET /api/quit is RESP-only: 405 007', get('/api/quit'), 405, TEXT, '007:method_not_allowed_on_http'],
  [
    'GET /api/auth/:password is RESP-only: 405 007',
    get('/api/auth/secret'),
    405,
    TEXT,
    '007:method_not_allowed_on_http',
  ],
  ['an unknown /api path: fiber 404 text', get('/api/nope?x=1'), 404, TEXT, 'Cannot GET /api/nope'],
  [
    'a GET route without its argument is unknown',
    get('/api/msg/pull'),
    404,
    TEXT,
    'Cannot GET /api/msg/pull',
  ],
  [
    'a known path with the wrong method: 405',
    post('/api/consumer/list', {}),
    405,
    TEXT,
    'Method Not Allowed',
  ],

  // No consumers yet
  ['GET /api/consumer/list with none: null', get('/api/consumer/list'), 200, JSON_TYPE, 'null'],
  [
    'GET /api/consumer/exists/:id (missing): "false"',
    get('/api/consumer/exists/c1'),
    200,
    JSON_TYPE,
    '"false"',
  ],
  ['GET /api/consumer/info/:id (missing): null', get('/api/consumer/info/c1'), 200, JSON_TYPE, 'null'],

  // Create
  [
    'POST /api/consumer/create',
    post('/api/consumer/create', { consumerId: 'c1', topics: ' orders/# , +/eu/+ ,', concurrency: 2 }),
    200,
    JSON_TYPE,
    '"Created:c1"',
  ],
  ['POST /api/consumer/create again: 004', post('/api/consumer/create', { consumerId: 'c1' }), ...E004],
  [
    'POST /api/consumer/create: field names in any case, concurrency as a numeric string',
    post('/api/consumer/create', { CONSUMERID: 'c2', Topics: 'a/b', Concurrency: '1' }),
    200,
    JSON_TYPE,
    '"Created:c2"',
  ],
  [
    'POST /api/consumer/create with an empty consumerId: 008',
    post('/api/consumer/create', { consumerId: '' }),
    ...E008,
  ],
  [
    'POST /api/consumer/create with concurrency "two": 008',
    post('/api/consumer/create', { consumerId: 'x', concurrency: 'two' }),
    ...E008,
  ],
  [
    'POST /api/consumer/create with concurrency 1.5: 008',
    post('/api/consumer/create', { consumerId: 'x', concurrency: 1.5 }),
    ...E008,
  ],
  [
    'POST /api/consumer/create with a numeric consumerId: 008',
    post('/api/consumer/create', { consumerId: 5 }),
    ...E008,
  ],
  [
    'POST /api/consumer/create as text/plain: 008',
    (c) => c.api.post('/api/consumer/create').type('text/plain').send('consumerId=x'),
    ...E008,
  ],
  ['POST /api/consumer/create without a body or Content-Type: 008', post('/api/consumer/create'), ...E008],
  [
    'POST /api/consumer/create with broken JSON: 008',
    (c) => c.api.post('/api/consumer/create').type('json').send('{"consumerId":'),
    ...E008,
  ],
  [
    'POST /api/consumer/create with a JSON array: 008',
    (c) => c.api.post('/api/consumer/create').type('json').send('["c9"]'),
    ...E008,
  ],
  [
    'POST /api/consumer/create as a urlencoded form',
    (c) => c.api.post('/api/consumer/create').type('form').send('consumerid=c3&TOPICS=x/%2B&concurrency='),
    200,
    JSON_TYPE,
    '"Created:c3"',
  ],

  // Consumer reads and settings
  ['GET /api/consumer/exists/:id', get('/api/consumer/exists/c1'), 200, JSON_TYPE, '"true"'],
  [
    'GET /api/consumer/info/:id/ (topics trimmed, empty dropped)',
    get('/api/consumer/info/c1/'),
    200,
    JSON_TYPE,
    json({ consumerId: 'c1', topics: ['orders/#', '+/eu/+'], lastActive: T0, concurrency: 2 }),
  ],
  ['GET /api/consumer/list', get('/api/consumer/list/'), 200, JSON_TYPE, '["c1","c2","c3"]'],
  ['GET /api/consumer/topics/get/:id', get('/api/consumer/topics/get/c3'), 200, JSON_TYPE, '["x/+"]'],
  ['GET /api/consumer/topics/get/:id (missing): 001', get('/api/consumer/topics/get/nope'), ...E001],
  [
    'POST /api/consumer/topics/set (works, unlike CrimsonQ over REST)',
    post('/api/consumer/topics/set', { consumerId: 'c2', topics: 'b/#,c' }),
    200,
    JSON_TYPE,
    '"ok"',
  ],
  [
    'GET /api/consumer/topics/get/:id after set',
    get('/api/consumer/topics/get/c2'),
    200,
    JSON_TYPE,
    '["b/#","c"]',
  ],
  [
    'POST /api/consumer/topics/set (missing consumer): 001',
    post('/api/consumer/topics/set', { consumerId: 'nope', topics: 'a' }),
    ...E001,
  ],
  [
    'POST /api/consumer/topics/set without consumerId: 001',
    post('/api/consumer/topics/set', { topics: 'a' }),
    ...E001,
  ],
  [
    'POST /api/consumer/concurrency/set',
    post('/api/consumer/concurrency/set', { consumerId: 'c2', concurrency: 0 }),
    200,
    JSON_TYPE,
    '"ok"',
  ],
  [
    'POST /api/consumer/concurrency/set (missing consumer): 001',
    post('/api/consumer/concurrency/set', { consumerId: 'nope', concurrency: 1 }),
    ...E001,
  ],
  [
    'POST /api/consumer/concurrency/set with concurrency "x": 008',
    post('/api/consumer/concurrency/set', { consumerId: 'c2', concurrency: 'x' }),
    ...E008,
  ],
  ['GET /api/consumer/concurrency/ok/:id', get('/api/consumer/concurrency/ok/c1'), 200, JSON_TYPE, '"true"'],
  ['GET /api/consumer/concurrency/ok/:id (missing): 001', get('/api/consumer/concurrency/ok/nope'), ...E001],

  // Empty consumer
  ['GET /api/msg/counts/:id', get('/api/msg/counts/c1'), 200, JSON_TYPE, ZERO_COUNTS],
  ["GET /api/msg/counts/:id (missing): 001, not CrimsonQ's 500", get('/api/msg/counts/nope'), ...E001],
  ['GET /api/msg/keys/:id (empty): []', get('/api/msg/keys/c1'), 200, JSON_TYPE, '[]'],
  ['GET /api/msg/keys/:id (missing): 001', get('/api/msg/keys/nope'), ...E001],
  [
    'GET /api/msg/list/json/:id/:status (empty): "[]"',
    get('/api/msg/list/json/c1/pending'),
    200,
    JSON_TYPE,
    '"[]"',
  ],
  [
    'GET /api/msg/list/json/:id/:status: the status in any case',
    get('/api/msg/list/json/c1/PENDING/'),
    200,
    JSON_TYPE,
    '"[]"',
  ],
  ['GET /api/msg/list/json/:id/:status (unknown status): 003', get('/api/msg/list/json/c1/bogus'), ...E003],
  [
    'GET /api/msg/list/json/:id/:status (missing consumer): 001',
    get('/api/msg/list/json/nope/pending'),
    ...E001,
  ],
  [
    'GET /api/msg/list/json/:id/:status: the status is checked first, as in CrimsonQ',
    get('/api/msg/list/json/nope/bogus'),
    ...E003,
  ],
  ['GET /api/msg/pull/:id (nothing pending): null', get('/api/msg/pull/c1'), 200, JSON_TYPE, 'null'],
  ['GET /api/msg/pull/:id (missing): 001', get('/api/msg/pull/nope'), ...E001],

  // Push
  [
    'POST /api/msg/push/consumer: "Ok", the id in X-Message-Ids',
    post('/api/msg/push/consumer', { consumerId: 'c1', messageString: 'hello' }),
    200,
    JSON_TYPE,
    '"Ok"',
    (res, c) => {
      expect(res.headers['x-message-ids']).toMatch(/^\d+$/);
      c.ids.direct = res.headers['x-message-ids'] as string;
    },
  ],
  [
    'POST /api/msg/push/consumer (missing consumer): 001',
    post('/api/msg/push/consumer', { consumerId: 'nope', messageString: 'x' }),
    ...E001,
  ],
  [
    'POST /api/msg/push/topic: one copy for a consumer whose two filters match',
    post('/api/msg/push/topic', { topicString: 'orders/eu/1', messageString: 'order 1' }),
    200,
    JSON_TYPE,
    '"Ok"',
    (res, c) => {
      expect(res.headers['x-message-ids']).toMatch(/^\d+$/);
      c.ids.order = res.headers['x-message-ids'] as string;
    },
  ],
  [
    'POST /api/msg/push/topic that nobody subscribes to: "Ok", no ids',
    post('/api/msg/push/topic', { topicString: 'nobody/here', messageString: 'x' }),
    200,
    JSON_TYPE,
    '"Ok"',
    (res) => {
      expect(res.headers['x-message-ids']).toBe('');
    },
  ],
  [
    'POST /api/msg/push/topic without a topic: 008',
    post('/api/msg/push/topic', { messageString: 'x' }),
    ...E008,
  ],
  [
    'GET /api/msg/keys/:id',
    get('/api/msg/keys/c1'),
    200,
    JSON_TYPE,
    (c) => json([`pending:${c.ids.direct}`, `pending:${c.ids.order}`]),
  ],
  [
    'GET /api/msg/list/json/:id/pending: double-encoded',
    get('/api/msg/list/json/c1/pending'),
    200,
    JSON_TYPE,
    (c) =>
      json(
        json([
          message(c.ids.direct!, 'direct:c1', 'hello', 'pending', { created_at: T0 }),
          message(c.ids.order!, 'orders/eu/1', 'order 1', 'pending', { created_at: T0 }),
        ]),
      ),
  ],

  // Pull, concurrency, complete, fail, retry
  [
    'GET /api/msg/pull/:id: the oldest pending message becomes active',
    (c) => {
      c.server.clock.advance(1000);
      return c.api.get('/api/msg/pull/c1');
    },
    200,
    JSON_TYPE,
    (c) => json(message(c.ids.direct!, 'direct:c1', 'hello', 'active', { active_at: T1, created_at: T0 })),
  ],
  [
    'GET /api/consumer/concurrency/ok/:id with 1 of 2 active: "true"',
    get('/api/consumer/concurrency/ok/c1'),
    200,
    JSON_TYPE,
    '"true"',
  ],
  [
    'GET /api/msg/pull/:id: the next one',
    get('/api/msg/pull/c1'),
    200,
    JSON_TYPE,
    (c) => json(message(c.ids.order!, 'orders/eu/1', 'order 1', 'active', { active_at: T1, created_at: T0 })),
  ],
  [
    'GET /api/consumer/concurrency/ok/:id at the cap: "false"',
    get('/api/consumer/concurrency/ok/c1'),
    200,
    JSON_TYPE,
    '"false"',
  ],
  ['GET /api/msg/pull/:id at the cap: 005', get('/api/msg/pull/c1'), ...E005],
  [
    'GET /api/msg/counts/:id with two active',
    get('/api/msg/counts/c1'),
    200,
    JSON_TYPE,
    '{"active":2,"completed":0,"delayed":0,"failed":0,"pending":0}',
  ],
  [
    'POST /api/msg/complete: text Ok',
    (c) => {
      c.server.clock.advance(1000);
      return c.api.post('/api/msg/complete', { consumerId: 'c1', messageId: c.ids.direct });
    },
    ...OK_TEXT,
  ],
  [
    'POST /api/msg/complete of a completed message: 002',
    (c) => c.api.post('/api/msg/complete', { consumerId: 'c1', messageId: c.ids.direct }),
    ...E002,
  ],
  [
    'POST /api/msg/complete of an unknown message: 002',
    post('/api/msg/complete', { consumerId: 'c1', messageId: '999999' }),
    ...E002,
  ],
  [
    'POST /api/msg/complete (missing consumer): 001',
    post('/api/msg/complete', { consumerId: 'nope', messageId: '1' }),
    ...E001,
  ],
  [
    'POST /api/msg/fail: text Ok',
    (c) => c.api.post('/api/msg/fail', { consumerId: 'c1', messageId: c.ids.order, errMsg: 'boom' }),
    ...OK_TEXT,
  ],
  [
    'POST /api/msg/fail of a failed message: 006',
    (c) => c.api.post('/api/msg/fail', { consumerId: 'c1', messageId: c.ids.order, errMsg: 'x' }),
    ...E006,
  ],
  [
    'POST /api/msg/fail (missing consumer): 001',
    post('/api/msg/fail', { consumerId: 'nope', messageId: '1' }),
    ...E001,
  ],
  [
    'GET /api/msg/list/json/:id/failed: with the error',
    get('/api/msg/list/json/c1/failed'),
    200,
    JSON_TYPE,
    (c) =>
      json(
        json([
          message(
            c.ids.order!,
            'orders/eu/1',
            'order 1',
            'failed',
            { active_at: T1, created_at: T0, failed_at: T2 },
            'boom',
          ),
        ]),
      ),
  ],
  [
    'GET /api/msg/list/json/:id/completed',
    get('/api/msg/list/json/c1/completed'),
    200,
    JSON_TYPE,
    (c) =>
      json(
        json([
          message(c.ids.direct!, 'direct:c1', 'hello', 'completed', {
            active_at: T1,
            completed_at: T2,
            created_at: T0,
          }),
        ]),
      ),
  ],
  [
    'POST /api/msg/retry with a failed: key: text Ok',
    (c) => c.api.post('/api/msg/retry', { consumerId: 'c1', messageId: `failed:${c.ids.order}` }),
    ...OK_TEXT,
  ],
  [
    'POST /api/msg/retry of a message that is not failed: 006',
    (c) => c.api.post('/api/msg/retry', { consumerId: 'c1', messageId: c.ids.order }),
    ...E006,
  ],
  [
    'POST /api/msg/retry (missing consumer): 001',
    post('/api/msg/retry', { consumerId: 'nope', messageId: '1' }),
    ...E001,
  ],
  [
    'POST /api/msg/fail of a pending message: text Ok',
    (c) => c.api.post('/api/msg/fail', { consumerId: 'c1', messageId: c.ids.order, errMsg: 'again' }),
    ...OK_TEXT,
  ],
  ['POST /api/msg/retryall: text Ok', post('/api/msg/retryall', { consumerId: 'c1' }), ...OK_TEXT],
  [
    'POST /api/msg/retryall (missing consumer): 001',
    post('/api/msg/retryall', { consumerId: 'nope' }),
    ...E001,
  ],
  [
    'GET /api/msg/keys/:id grouped by status',
    get('/api/msg/keys/c1'),
    200,
    JSON_TYPE,
    (c) => json([`completed:${c.ids.direct}`, `pending:${c.ids.order}`]),
  ],
  [
    'GET /api/msg/list/json/:id/pending: a retried message keeps its error',
    get('/api/msg/list/json/c1/pending'),
    200,
    JSON_TYPE,
    (c) =>
      json(
        json([
          message(
            c.ids.order!,
            'orders/eu/1',
            'order 1',
            'pending',
            // The full history: pulled, failed, retried, failed again while pending, retried again.
            { active_at: T1, created_at: T0, failed_at: T2, pending_at: T2 },
            'again',
          ),
        ]),
      ),
  ],

  // Delete and flush
  [
    'POST /api/msg/del in the wrong status: 006',
    (c) => c.api.post('/api/msg/del', { consumerId: 'c1', status: 'completed', messageId: c.ids.order }),
    ...E006,
  ],
  [
    'POST /api/msg/del with an unknown status: 003',
    (c) => c.api.post('/api/msg/del', { consumerId: 'c1', status: 'gone', messageId: c.ids.order }),
    ...E003,
  ],
  [
    'POST /api/msg/del (missing consumer): 001',
    post('/api/msg/del', { consumerId: 'nope', status: 'pending', messageId: '1' }),
    ...E001,
  ],
  [
    'POST /api/msg/del: JSON "Ok"',
    (c) => c.api.post('/api/msg/del', { consumerId: 'c1', status: 'pending', messageId: c.ids.order }),
    200,
    JSON_TYPE,
    '"Ok"',
  ],
  [
    'POST /api/consumer/flush/complete: text Ok',
    post('/api/consumer/flush/complete', { consumerId: 'c1' }),
    ...OK_TEXT,
  ],
  [
    'POST /api/consumer/flush/complete (missing consumer): 001',
    post('/api/consumer/flush/complete', { consumerId: 'nope' }),
    ...E001,
  ],
  [
    'POST /api/consumer/flush/failed: text Ok',
    post('/api/consumer/flush/failed', { consumerId: 'c1' }),
    ...OK_TEXT,
  ],
  [
    'POST /api/consumer/flush/failed (missing consumer): 001',
    post('/api/consumer/flush/failed', { consumerId: 'nope' }),
    ...E001,
  ],
  ['GET /api/msg/counts/:id after flushing', get('/api/msg/counts/c1'), 200, JSON_TYPE, ZERO_COUNTS],

  // Multipart, subscribe refusal, destroy
  [
    'POST /api/msg/push/consumer as multipart',
    (c) =>
      c.api.post('/api/msg/push/consumer').field('ConsumerId', 'c3').field('messageString', 'from a form'),
    200,
    JSON_TYPE,
    '"Ok"',
  ],
  ['GET /api/subscribe/:id (missing consumer): 001', get('/api/subscribe/nope'), ...E001],
  [
    'POST /api/consumer/destroy: text ok',
    post('/api/consumer/destroy', { consumerId: 'c2' }),
    200,
    TEXT,
    'ok',
  ],
  ['POST /api/consumer/destroy again: 001', post('/api/consumer/destroy', { consumerId: 'c2' }), ...E001],
  ['GET /api/consumer/list after destroy', get('/api/consumer/list'), 200, JSON_TYPE, '["c1","c3"]'],
];

describe('every /api route, byte for byte', () => {
  const ctx = {} as Ctx;
  beforeAll(async () => {
    ctx.server = await startCq();
    ctx.api = cq(ctx.server, await login(ctx.server));
    ctx.ids = {};
  });
  afterAll(() => ctx.server.destroy());

  test.each(rows.map((row) => [row[0], row] as const))('%s', async (_name, row) => {
    const [, send, status, type, body, after] = row;
    const res = await send(ctx);
    expect(wire(res)).toEqual([status, type, typeof body === 'function' ? body(ctx) : body]);
    after?.(res, ctx);
  });

  test('the table covers every command route', () => {
    const covered = new Set(
      rows.map(([name]) => /^(?:GET|POST) (\/api\/[a-z/]+)/.exec(name)?.[1]?.replace(/\/$/, '')),
    );
    const expected = COMMAND_LIST.map((line) => `/api/${line.split(' ')[0]!.replace(/\./g, '/')}`);
    expect(expected.filter((path) => !covered.has(path))).toEqual([]);
  });
});
