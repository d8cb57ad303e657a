import * as expiry from '../../src/worker/jobs/expiry';
import * as timeouts from '../../src/worker/jobs/timeouts';
import type { TestServer } from '../helpers/server';
import { cq, login, startCq } from './cq';

/**
 * The CrimsonQ state machine on the engine (spec crimsonq §1.3, §6.1) under a fake clock:
 * pending → active → (FERRITE_CONSUMER_ACTIVE_SECONDS) delayed → (FERRITE_CONSUMER_DELAYED_SECONDS) failed.
 */

const ACTIVE_SECONDS = 30;
const DELAYED_SECONDS = 20;

interface CqMessage {
  key: string;
  status: string;
  value: string;
  error?: string;
  statusHistory: Record<string, string>;
}

describe('message statuses', () => {
  let server: TestServer;
  let api: ReturnType<typeof cq>;
  beforeAll(async () => {
    server = await startCq({
      FERRITE_CONSUMER_ACTIVE_SECONDS: String(ACTIVE_SECONDS),
      FERRITE_CONSUMER_DELAYED_SECONDS: String(DELAYED_SECONDS),
    });
    api = cq(server, await login(server));
  });
  afterAll(() => server.destroy());

  const push = async (consumerId: string, body: string): Promise<string> => {
    const res = await api.post('/api/msg/push/consumer', { consumerId, messageString: body });
    expect(res.status).toBe(200);
    return res.headers['x-message-ids'] as string;
  };
  const pull = async (consumerId: string): Promise<CqMessage | null> => {
    const res = await api.get(`/api/msg/pull/${consumerId}`);
    expect(res.status).toBe(200);
    return res.body as CqMessage | null;
  };
  const counts = async (consumerId: string) =>
    (await api.get(`/api/msg/counts/${consumerId}`)).body as Record<string, number>;
  const list = async (consumerId: string, status: string): Promise<CqMessage[]> =>
    JSON.parse((await api.get(`/api/msg/list/json/${consumerId}/${status}`)).body as string) as CqMessage[];
  const seconds = (n: number) => server.clock.advance(n * 1000);

  test("an active message that runs past its time is delayed, then failed with CrimsonQ's error text", async () => {
    await api.post('/api/consumer/create', { consumerId: 'sm', concurrency: 1 });
    const first = await push('sm', 'one');
    const second = await push('sm', 'two');

    expect((await pull('sm'))?.key).toBe(first);
    expect(await counts('sm')).toEqual({ active: 1, completed: 0, delayed: 0, failed: 0, pending: 1 });

    seconds(ACTIVE_SECONDS - 1);
    expect((await counts('sm')).active).toBe(1);
    seconds(1);
    expect(await counts('sm')).toEqual({ active: 0, completed: 0, delayed: 1, failed: 0, pending: 1 });
    const [delayed] = await list('sm', 'delayed');
    expect(delayed).toMatchObject({ key: first, status: 'delayed' });
    expect(Object.keys(delayed!.statusHistory)).toEqual(['active_at', 'created_at', 'delayed_at']);

    // A delayed message does not count toward concurrency (as in CrimsonQ): the next pull is allowed.
    expect((await api.get('/api/consumer/concurrency/ok/sm')).body).toBe('true');
    expect((await pull('sm'))?.key).toBe(second);

    seconds(DELAYED_SECONDS);
    const [failed] = await list('sm', 'failed');
    expect(failed).toMatchObject({
      key: first,
      status: 'failed',
      value: 'one',
      error: 'Job took too long to execute',
    });
    // The second was pulled DELAYED_SECONDS ago: still within its ACTIVE_SECONDS.
    expect(await counts('sm')).toEqual({ active: 1, completed: 0, delayed: 0, failed: 1, pending: 0 });
  });

  test('the background job moves them too, without any read of the consumer', async () => {
    await api.post('/api/consumer/create', { consumerId: 'bg' });
    const id = await push('bg', 'x');
    await pull('bg');
    seconds(ACTIVE_SECONDS + DELAYED_SECONDS);
    expect(await timeouts.runOnce({ store: server.store }, server.clock.now())).toBeGreaterThan(0);
    const keys = (await api.get('/api/msg/keys/bg')).body as string[];
    expect(keys).toEqual([`failed:${id}`]);
  });

  test('a delayed message can still be completed, and (unlike CrimsonQ) failed', async () => {
    await api.post('/api/consumer/create', { consumerId: 'late' });
    const a = await push('late', 'a');
    const b = await push('late', 'b');
    await pull('late');
    await pull('late');
    seconds(ACTIVE_SECONDS);
    expect((await counts('late')).delayed).toBe(2);
    expect((await api.post('/api/msg/complete', { consumerId: 'late', messageId: a })).text).toBe('Ok');
    expect(
      (await api.post('/api/msg/fail', { consumerId: 'late', messageId: b, errMsg: 'gave up' })).text,
    ).toBe('Ok');
    expect(await counts('late')).toEqual({ active: 0, completed: 1, delayed: 0, failed: 1, pending: 0 });
    expect((await list('late', 'failed'))[0]?.error).toBe('gave up');
  });

  test('retry puts a failed message back at the front, with its id', async () => {
    await api.post('/api/consumer/create', { consumerId: 'front' });
    const first = await push('front', 'first');
    await pull('front');
    await api.post('/api/msg/fail', { consumerId: 'front', messageId: first, errMsg: 'no' });
    const later = await push('front', 'later');
    await push('front', 'latest');

    expect((await api.post('/api/msg/retry', { consumerId: 'front', messageId: first })).text).toBe('Ok');
    const again = await pull('front');
    expect(again).toMatchObject({ key: first, status: 'active', value: 'first' });
    expect((await pull('front'))?.key).toBe(later);
  });

  test('retryall moves every failed message back, in their old order', async () => {
    await api.post('/api/consumer/create', { consumerId: 'all' });
    const ids = [await push('all', '1'), await push('all', '2'), await push('all', '3')];
    for (const id of ids) await api.post('/api/msg/fail', { consumerId: 'all', messageId: id, errMsg: 'e' });
    const newer = await push('all', '4');
    expect(await counts('all')).toEqual({ active: 0, completed: 0, delayed: 0, failed: 3, pending: 1 });
    expect((await api.post('/api/msg/retryall', { consumerId: 'all' })).text).toBe('Ok');
    const order = [];
    for (let i = 0; i < 4; i++) order.push((await pull('all'))?.key);
    expect(order).toEqual([...ids, newer]);
  });

  test('complete keeps the message as completed until flushed; flush removes completed or failed only', async () => {
    await api.post('/api/consumer/create', { consumerId: 'keep' });
    const done = await push('keep', 'done');
    const bad = await push('keep', 'bad');
    await push('keep', 'waiting');
    await pull('keep');
    await pull('keep');
    await api.post('/api/msg/complete', { consumerId: 'keep', messageId: done });
    await api.post('/api/msg/fail', { consumerId: 'keep', messageId: bad, errMsg: 'x' });

    seconds(3600);
    expect(await counts('keep')).toEqual({ active: 0, completed: 1, delayed: 0, failed: 1, pending: 1 });
    const [completed] = await list('keep', 'completed');
    expect(completed).toMatchObject({ key: done, status: 'completed', value: 'done' });

    await api.post('/api/consumer/flush/complete', { consumerId: 'keep' });
    expect(await counts('keep')).toEqual({ active: 0, completed: 0, delayed: 0, failed: 1, pending: 1 });
    await api.post('/api/consumer/flush/failed', { consumerId: 'keep' });
    expect(await counts('keep')).toEqual({ active: 0, completed: 0, delayed: 0, failed: 0, pending: 1 });
  });

  test("unlike CrimsonQ, messages expire after the queue's message_expiration (7 days), in any status", async () => {
    await api.post('/api/consumer/create', { consumerId: 'ttl' });
    const done = await push('ttl', 'done');
    await push('ttl', 'waiting');
    await pull('ttl');
    await api.post('/api/msg/complete', { consumerId: 'ttl', messageId: done });
    seconds(7 * 86_400 - 10);
    api = cq(server, await login(server)); // the first token expired after 72 h
    await expiry.runOnce({ store: server.store, events: server.engine.events }, server.clock.now());
    expect(await counts('ttl')).toEqual({ active: 0, completed: 1, delayed: 0, failed: 0, pending: 1 });
    seconds(10);
    await expiry.runOnce({ store: server.store, events: server.engine.events }, server.clock.now());
    expect(await counts('ttl')).toEqual({ active: 0, completed: 0, delayed: 0, failed: 0, pending: 0 });
  });
});
