import { commandList } from '../../src/domain/crimsonq-wire';
import request from 'supertest';
import { createProject } from '../../src/engine/projects';
import type { TestServer } from '../helpers/server';
import { call, closeClients, command, raw, rawAuthed, redis, RESP_PASS, startResp } from './resp';

/**
 * Every command of CrimsonQ's table over RESP, driven by ioredis (what CrimsonQ's Node client uses) and, for
 * the exact reply types, by a raw socket: simple strings, arrays of bulk or simple strings, `+null`, and
 * CrimsonQ's error codes as error replies (spec crimsonq §3.1).
 */

let server: TestServer;
beforeAll(async () => {
  server = await startResp();
});
afterEach(() => closeClients());
afterAll(() => server.destroy());

const ERR = (code: string) => `ERR:${code}`;

test('the life of a consumer and its messages, command by command, with ioredis', async () => {
  const r = redis(server);
  expect(await call(r, 'ping', 'x')).toBe('Pong! x');
  expect(await call(r, 'ping')).toBe('PONG');
  expect(await call(r, 'command')).toEqual(commandList());
  expect(await call(r, 'info')).toEqual([
    'Ferrite CrimsonQ API',
    'CrimsonQ-compatible RESP interface on the Ferrite engine',
  ]);

  expect(await call(r, 'consumer.exists', 'life')).toBe('false');
  expect(await call(r, 'consumer.create', 'life', 'orders/+, audit/#', '1')).toBe('Created:life');
  expect(await call(r, 'consumer.create', 'life', '', '0')).toBe(ERR('004:consumer_exists'));
  expect(await call(r, 'consumer.exists', 'life')).toBe('true');
  expect(await call(r, 'consumer.list')).toContain('life');
  const info = JSON.parse((await call(r, 'consumer.info', 'life')) as string) as Record<string, unknown>;
  expect(info).toEqual({
    consumerId: 'life',
    topics: ['orders/+', 'audit/#'],
    lastActive: new Date(server.clock.now()).toISOString(),
    concurrency: 1,
  });
  expect(await call(r, 'consumer.info', 'nobody')).toBe('null');

  expect(await call(r, 'consumer.topics.get', 'life')).toEqual(['orders/+', 'audit/#']);
  expect(await call(r, 'consumer.topics.set', 'life', 'x/y')).toBe('ok');
  expect(await call(r, 'consumer.topics.get', 'life')).toEqual(['x/y']);
  expect(await call(r, 'consumer.topics.set', 'life', 'orders/+,audit/#')).toBe('ok');
  expect(await call(r, 'consumer.concurrency.set', 'life', '2')).toBe('ok');
  expect(await call(r, 'consumer.concurrency.ok', 'life')).toBe('true');

  expect(await call(r, 'msg.push.consumer', 'life', 'hello')).toBe('Ok');
  expect(await call(r, 'msg.push.topic', 'orders/eu', '{"n":1}')).toBe('Ok');
  expect(await call(r, 'msg.push.topic', 'nobody/listens', 'lost')).toBe('Ok');
  expect(await call(r, 'msg.counts', 'life')).toEqual([
    'active:0',
    'completed:0',
    'delayed:0',
    'failed:0',
    'pending:2',
  ]);
  const keys = (await call(r, 'msg.keys', 'life')) as string[];
  expect(keys).toHaveLength(2);
  const [first, second] = keys.map((key) => key.replace(/^pending:/, ''));
  expect(keys).toEqual([`pending:${first}`, `pending:${second}`]);

  const pulled = JSON.parse((await call(r, 'msg.pull', 'life')) as string) as Record<string, unknown>;
  expect(pulled).toMatchObject({ key: first, topic: 'direct:life', value: 'hello', status: 'active' });
  expect(Object.keys(pulled.statusHistory as object).sort()).toEqual(['active_at', 'created_at']);
  const routed = JSON.parse((await call(r, 'msg.pull', 'LIFE'.toLowerCase())) as string) as { key: string };
  expect(routed).toMatchObject({ key: second, topic: 'orders/eu', value: '{"n":1}' });
  expect(await call(r, 'consumer.concurrency.ok', 'life')).toBe('false');
  expect(await call(r, 'msg.pull', 'life')).toBe(ERR('005:pull_exceeded_concurrency'));
  const active = JSON.parse((await call(r, 'msg.list.json', 'life', 'ACTIVE')) as string) as {
    key: string;
  }[];
  expect(active.map((m) => m.key)).toEqual([first, second]);

  expect(await call(r, 'msg.complete', 'life', first!)).toBe('Ok');
  expect(await call(r, 'msg.complete', 'life', first!)).toBe(ERR('002:no_data_returned'));
  expect(await call(r, 'msg.fail', 'life', `active:${second}`, 'boom')).toBe('Ok');
  expect(await call(r, 'msg.fail', 'life', second!, 'again')).toBe(ERR('006:incorrect message id'));
  // CrimsonQ writes no reply at all here; Ferrite says why.
  expect(await call(r, 'msg.retry', 'life', first!)).toBe(ERR('006:incorrect message id'));
  const failed = JSON.parse((await call(r, 'msg.list.json', 'life', 'failed')) as string) as object[];
  expect(failed).toEqual([expect.objectContaining({ key: second, status: 'failed', error: 'boom' })]);
  expect(await call(r, 'msg.retry', 'life', `failed:${second}`)).toBe('Ok');
  expect(JSON.parse((await call(r, 'msg.pull', 'life')) as string)).toMatchObject({ key: second });
  expect(await call(r, 'msg.fail', 'life', second!, 'boom twice')).toBe('Ok');
  expect(await call(r, 'msg.retryall', 'life')).toBe('Ok');
  expect(await call(r, 'msg.counts', 'life')).toEqual([
    'active:0',
    'completed:1',
    'delayed:0',
    'failed:0',
    'pending:1',
  ]);
  expect(await call(r, 'msg.del', 'life', 'bogus', second!)).toBe(ERR('003:incorrect_status'));
  expect(await call(r, 'msg.del', 'life', 'failed', second!)).toBe(ERR('006:incorrect message id'));
  expect(await call(r, 'msg.del', 'life', 'Pending', second!)).toBe('Ok');
  expect(await call(r, 'msg.pull', 'life')).toBe('null');

  expect(await call(r, 'consumer.flush.complete', 'life')).toBe('Ok');
  expect(await call(r, 'msg.push.consumer', 'life', 'to fail')).toBe('Ok');
  const doomed = JSON.parse((await call(r, 'msg.pull', 'life')) as string) as { key: string };
  expect(await call(r, 'msg.fail', 'life', doomed.key, 'no')).toBe('Ok');
  expect(await call(r, 'consumer.flush.failed', 'life')).toBe('Ok');
  expect(await call(r, 'msg.keys', 'life')).toEqual([]);
  expect(await call(r, 'consumer.destroy', 'life')).toBe('ok');
  expect(await call(r, 'consumer.destroy', 'life')).toBe(ERR('001:incorrect_consumer_id'));
  expect(await call(r, 'consumer.exists', 'life')).toBe('false');
});

test.each([
  ['consumer.destroy', []],
  ['consumer.topics.get', []],
  ['consumer.topics.set', ['a']],
  ['consumer.concurrency.set', ['1']],
  ['consumer.concurrency.ok', []],
  ['consumer.flush.complete', []],
  ['consumer.flush.failed', []],
  ['msg.keys', []],
  ['msg.counts', []],
  ['msg.list.json', ['pending']],
  ['msg.pull', []],
  ['msg.push.consumer', ['m']],
  ['msg.del', ['pending', '1']],
  ['msg.fail', ['1', 'e']],
  ['msg.complete', ['1']],
  ['msg.retry', ['1']],
  ['msg.retryall', []],
  ['subscribe', []],
])('%s on an unknown consumer: -001:incorrect_consumer_id', async (name, rest) => {
  const r = redis(server);
  for (const consumer of ['ghost', '', 'a/b']) {
    expect(await call(r, name, consumer, ...rest)).toBe(ERR('001:incorrect_consumer_id'));
  }
});

test('bad arguments: 003 before 001 for a status, 008 for a concurrency or an id that is not a number or a name', async () => {
  const r = redis(server);
  expect(await call(r, 'msg.list.json', 'ghost', 'sideways')).toBe(ERR('003:incorrect_status'));
  expect(await call(r, 'consumer.create', 'bad', '', 'many')).toBe(ERR('008: incorrect_args'));
  expect(await call(r, 'consumer.create', 'a/b', '', '1')).toBe(ERR('008: incorrect_args'));
  expect(await call(r, 'consumer.create', 'ok-now', '', '')).toBe('Created:ok-now');
  expect(await call(r, 'consumer.concurrency.set', 'ok-now', '1.5')).toBe(ERR('008: incorrect_args'));
  expect(await call(r, 'msg.push.topic', '', 'm')).toBe(ERR('008: incorrect_args'));
  const tooBig = 'x'.repeat(262_145);
  expect(await call(r, 'msg.push.consumer', 'ok-now', tooBig)).toBe(ERR('008: incorrect_args'));
});

test('names are case-insensitive; argument counts are exact, with CrimsonQ text (numbers in order)', async () => {
  const r = redis(server);
  expect(await call(r, 'CONSUMER.EXISTS', 'nope')).toBe('false');
  expect(await call(r, 'Msg.Counts', 'nope')).toBe(ERR('001:incorrect_consumer_id'));
  expect(await call(r, 'msg.pull')).toBe(
    ERR('Incorrect number of arguments for msg.pull, expected 1(consumerId) but got 0 Args'),
  );
  expect(await call(r, 'msg.del', 'a', 'b')).toBe(
    ERR('Incorrect number of arguments for msg.del, expected 3(consumerId,status,messageId) but got 2 Args'),
  );
  expect(await call(r, 'consumer.list', 'extra')).toBe(
    ERR('Incorrect number of arguments for consumer.list, expected 0() but got 1 Args'),
  );
  expect(await call(r, 'ping', 'a', 'b')).toBe(
    ERR('Incorrect number of arguments for ping, expected 1(messageString) but got 2 Args'),
  );
  expect(await call(r, 'get', 'key')).toBe(ERR('incorrect command'));
  expect(await call(r, 'auth', 'user', RESP_PASS)).toBe(
    ERR('Incorrect number of arguments for auth, expected 1(password) but got 2 Args'),
  );
});

test('exact reply types on the wire: simple strings, bulk arrays, simple-string arrays, +null, errors', async () => {
  const c = await rawAuthed(server);
  const exchange = async (args: string[], expected: string) => {
    const before = c.received().length;
    c.send(command(...args));
    await c.waitFor(expected, before);
    expect([args, c.received().slice(before)]).toEqual([args, expected]);
  };
  await exchange(['consumer.create', 'wire', 'w/+,v', '0'], '+Created:wire\r\n');
  await exchange(['consumer.exists', 'wire'], '+true\r\n');
  await exchange(['consumer.topics.get', 'wire'], '*2\r\n+w/+\r\n+v\r\n');
  await exchange(['msg.pull', 'wire'], '+null\r\n');
  await exchange(['msg.list.json', 'wire', 'pending'], '+[]\r\n');
  await exchange(['msg.push.consumer', 'wire', 'line one\r\nline <two> & "three"'], '+Ok\r\n');
  await exchange(
    ['msg.counts', 'wire'],
    '*5\r\n$8\r\nactive:0\r\n$11\r\ncompleted:0\r\n$9\r\ndelayed:0\r\n$8\r\nfailed:0\r\n$9\r\npending:1\r\n',
  );
  const id = /"key":"(\d+)"/.exec(
    await (async () => {
      const before = c.received().length;
      c.send(command('msg.list.json', 'wire', 'pending'));
      await c.waitFor('}]\r\n', before);
      return c.received().slice(before);
    })(),
  )![1]!;
  await exchange(['msg.keys', 'wire'], `*1\r\n$${8 + id.length}\r\npending:${id}\r\n`);
  const before = c.received().length;
  c.send(command('msg.pull', 'wire'));
  await c.waitFor('}}\r\n', before);
  const pulled = c.received().slice(before);
  // One simple string: the body's CR LF are escaped by JSON; <, > and & as Go's encoder writes them.
  expect(pulled).toMatch(
    /^\+\{"key":"\d+","topic":"direct:wire","value":"line one\\r\\nline \\u003ctwo\\u003e \\u0026 \\"three\\"","status":"active","statusHistory":\{.*\}\}\r\n$/,
  );
  await exchange(['msg.complete', 'wire', '999999'], '-002:no_data_returned\r\n');
  await exchange(
    ['info'],
    '*2\r\n+Ferrite CrimsonQ API\r\n+CrimsonQ-compatible RESP interface on the Ferrite engine\r\n',
  );
  await exchange(['consumer.info', 'nobody'], '+null\r\n');
  await exchange(['consumer.destroy', 'wire'], '+ok\r\n');
  c.close();
});

test('command lists the table as bulk strings, in order, 28 entries', async () => {
  const c = await rawAuthed(server);
  const before = c.received().length;
  c.send(command('COMMAND'));
  await c.waitFor('consumer.info [consumerId]\r\n');
  const lines = commandList();
  expect(lines).toHaveLength(28);
  expect(c.received().slice(before)).toBe(
    `*28\r\n${lines.map((line) => `$${line.length}\r\n${line}\r\n`).join('')}`,
  );
  c.close();
});

describe('authentication', () => {
  test('anything before AUTH is refused and the connection closed; later commands are not answered', async () => {
    const c = await raw(server);
    c.send(command('msg.counts', 'x') + command('AUTH', RESP_PASS) + command('ping', 'late'));
    await c.closed;
    expect(c.received()).toBe('-Auth Error: You Shall not pass!\r\n');
  });

  test('a wrong password is refused and the connection stays open; the right one then works', async () => {
    const c = await raw(server);
    c.send(command('auth', 'wrong'));
    await c.waitFor('\r\n');
    expect(c.received()).toBe('-Inccorect Auth.\r\n');
    c.send(command('AUTH', RESP_PASS) + command('ping', 'in'));
    await c.waitFor('+Pong! in\r\n');
    expect(c.received()).toBe('-Inccorect Auth.\r\n+ok\r\n+Pong! in\r\n');
    c.close();
  });

  test('HELLO (RESP3) is refused with NOPROTO, without closing; ioredis falls back to RESP2 by itself', async () => {
    const c = await raw(server);
    c.send(command('HELLO', '3'));
    await c.waitFor('\r\n');
    expect(c.received()).toBe('-NOPROTO sorry, this protocol version is not supported\r\n');
    expect(c.isClosed()).toBe(false);
    c.close();
    for (const protocol of [3, 2] as const) {
      const r = redis(server, { protocol });
      expect(await call(r, 'ping', String(protocol))).toBe(`Pong! ${protocol}`);
    }
  });

  test('ioredis with a wrong password gets the refusal, not data', async () => {
    const r = redis(server, { password: 'not it' });
    expect(await call(r, 'consumer.list')).toMatch(/^ERR:/);
  });

  test('a connection works in the CrimsonQ project only: queues of other projects are not consumers to it', async () => {
    const other = await createProject(server.engine);
    const created = await request(server.url)
      .put(`/3/projects/${other.project.id}/queues/elsewhere`)
      .set('Authorization', `OAuth ${other.token}`)
      .send({});
    expect(created.status).toBe(200);
    const r = redis(server);
    expect(await call(r, 'consumer.exists', 'elsewhere')).toBe('false');
    expect(await call(r, 'msg.push.consumer', 'elsewhere', 'm')).toBe(ERR('001:incorrect_consumer_id'));
    expect(await call(r, 'consumer.list')).not.toContain('elsewhere');
  });
});

test('invalid UTF-8 in an argument: 008', async () => {
  const c = await rawAuthed(server);
  c.send(
    Buffer.concat([
      Buffer.from('*3\r\n$17\r\nmsg.push.consumer\r\n$1\r\nx\r\n$2\r\n'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\r\n'),
    ]),
  );
  await c.waitFor('-');
  expect(c.received()).toBe('+ok\r\n-008: incorrect_args\r\n');
  c.close();
});

describe('pipelining', () => {
  test('a pipeline of mixed commands is answered in order', async () => {
    const r = redis(server);
    await call(r, 'consumer.create', 'pipe', '', '0');
    const pipeline = r.pipeline();
    for (let i = 0; i < 40; i++) {
      pipeline.call('msg.push.consumer', 'pipe', `m${i}`);
      pipeline.call('ping', `p${i}`);
      pipeline.call('msg.pull', 'pipe');
    }
    pipeline.call('msg.counts', 'pipe');
    const results = (await pipeline.exec())!;
    for (let i = 0; i < 40; i++) {
      expect(results[3 * i]).toEqual([null, 'Ok']);
      expect(results[3 * i + 1]).toEqual([null, `Pong! p${i}`]);
      const pulled = JSON.parse(results[3 * i + 2]![1] as string) as { value: string };
      expect(pulled.value).toBe(`m${i}`);
    }
    expect(results[120]).toEqual([null, ['active:40', 'completed:0', 'delayed:0', 'failed:0', 'pending:0']]);
  });

  test('commands in one write, split anywhere, inline or multibulk: answered in order', async () => {
    const c = await rawAuthed(server);
    const bytes = Buffer.from(
      command('ping', 'a') +
        'ping b\r\n' +
        command('consumer.exists', 'nope') +
        'ping "c d"\n' +
        command('ping', 'e'),
    );
    for (let at = 0; at < bytes.length; at += 3) c.send(bytes.subarray(at, at + 3));
    await c.waitFor('+Pong! e\r\n');
    expect(c.received()).toBe('+ok\r\n+Pong! a\r\n+Pong! b\r\n+false\r\n+Pong! c d\r\n+Pong! e\r\n');
    c.close();
  });
});

test('quit answers +Bye! and closes', async () => {
  const c = await rawAuthed(server);
  c.send(command('QUIT') + command('ping', 'never'));
  await c.closed;
  expect(c.received()).toBe('+ok\r\n+Bye!\r\n');
});
