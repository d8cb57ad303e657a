import type { TestServer } from '../helpers/server';
import { cq, login, startCq } from './cq';

/**
 * Topic routing through /api/msg/push/topic (spec crimsonq §1.2, §6.1): MQTT filters on the subscriber side
 * only, `+` one level, `#` the rest including zero levels, a leading `/` is an empty level, `$share/<g>/` is
 * ignored, the published topic is literal, and a consumer gets one copy however many of its filters match.
 */

const CONSUMERS: Record<string, string> = {
  hashA: 'a/#',
  plusA: 'a/+',
  exactAB: 'a/b',
  everything: '#',
  slash: '/consumer/a',
  plusSlash: '+/consumer/+',
  shared: '$share/workers/jobs/+',
  twice: 'orders/#, orders/+/1',
  deep: 'x/+/z/#',
  upper: 'A/b',
};

/** [published topic, consumers that receive it]; `everything` gets every message and is added below. */
const CASES: [string, string[]][] = [
  ['a', ['hashA']],
  ['a/b', ['hashA', 'plusA', 'exactAB']],
  ['a/b/c', ['hashA']],
  ['a/', ['hashA', 'plusA']],
  ['b', []],
  ['/consumer/a', ['slash', 'plusSlash']],
  ['consumer/a', []],
  ['x/consumer/y', ['plusSlash']],
  ['jobs/resize', ['shared']],
  ['$share/workers/jobs/resize', []],
  ['orders/eu/1', ['twice']],
  ['orders', ['twice']],
  ['x/y/z', ['deep']],
  ['x/y/z/w/v', ['deep']],
  ['x/y/q', []],
  ['A/b', ['upper']],
  // Literal: wildcards in the published topic are ordinary characters, so `a/#` is one more level under `a`.
  ['a/#', ['hashA', 'plusA']],
  ['a/+', ['hashA', 'plusA']],
];

describe('topic matching', () => {
  let server: TestServer;
  let api: ReturnType<typeof cq>;
  beforeAll(async () => {
    server = await startCq();
    api = cq(server, await login(server));
    for (const [consumerId, topics] of Object.entries(CONSUMERS)) {
      expect((await api.post('/api/consumer/create', { consumerId, topics })).status).toBe(200);
    }
  });
  afterAll(() => server.destroy());

  /** Which consumers hold a pending message with this body. */
  async function receivers(body: string): Promise<string[]> {
    const found: string[] = [];
    for (const consumerId of Object.keys(CONSUMERS)) {
      const res = await api.get(`/api/msg/list/json/${consumerId}/pending`);
      const messages = JSON.parse(res.body as string) as { value: string; topic: string }[];
      const copies = messages.filter((m) => m.value === body);
      if (copies.length > 1) throw new Error(`${consumerId} got ${copies.length} copies of ${body}`);
      if (copies.length === 1) found.push(consumerId);
    }
    return found.sort();
  }

  test.each(CASES)('%s reaches %j (and #)', async (topic, expected) => {
    const body = `to ${topic}`;
    const res = await api.post('/api/msg/push/topic', { topicString: topic, messageString: body });
    expect(res.text).toBe('"Ok"');
    const ids = (res.headers['x-message-ids'] as string).split(',');
    expect(ids).toHaveLength(expected.length + 1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await receivers(body)).toEqual([...expected, 'everything'].sort());
  });

  test('each copy keeps the published topic; a direct push shows direct:<consumerId>', async () => {
    await api.post('/api/msg/push/topic', { topicString: 'a/b', messageString: 'topic check' });
    await api.post('/api/msg/push/consumer', { consumerId: 'exactAB', messageString: 'direct check' });
    const messages = JSON.parse((await api.get('/api/msg/list/json/exactAB/pending')).body as string) as {
      value: string;
      topic: string;
    }[];
    expect(messages.find((m) => m.value === 'topic check')?.topic).toBe('a/b');
    expect(messages.find((m) => m.value === 'direct check')?.topic).toBe('direct:exactAB');
  });

  test('topics/set changes the routing at once', async () => {
    expect((await api.post('/api/consumer/topics/set', { consumerId: 'exactAB', topics: 'q/r' })).text).toBe(
      '"ok"',
    );
    await api.post('/api/msg/push/topic', { topicString: 'a/b', messageString: 'after set' });
    await api.post('/api/msg/push/topic', { topicString: 'q/r', messageString: 'new topic' });
    expect(await receivers('after set')).toEqual(['everything', 'hashA', 'plusA']);
    expect(await receivers('new topic')).toEqual(['everything', 'exactAB']);
  });

  test('a destroyed consumer receives nothing more', async () => {
    await api.post('/api/consumer/destroy', { consumerId: 'everything' });
    const res = await api.post('/api/msg/push/topic', { topicString: 'b/c', messageString: 'nobody' });
    expect([res.text, res.headers['x-message-ids']]).toEqual(['"Ok"', '']);
  });
});
