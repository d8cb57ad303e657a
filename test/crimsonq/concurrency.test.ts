import type { TestServer } from '../helpers/server';
import { cq, login, startCq } from './cq';

/**
 * Concurrent pulls (spec crimsonq §1.3–1.4: CrimsonQ's DEQ and MoveMsg are separate transactions, so it can hand
 * one message to two pullers and overshoot its cap). Here each pull is one transaction: never more active
 * messages than `concurrency`, never the same message twice.
 */

describe('concurrent pulls', () => {
  let server: TestServer;
  let api: ReturnType<typeof cq>;
  beforeAll(async () => {
    server = await startCq();
    api = cq(server, await login(server));
  });
  afterAll(() => server.destroy());

  async function pushMany(consumerId: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await api.post('/api/msg/push/consumer', { consumerId, messageString: `m${i}` });
      ids.push(res.headers['x-message-ids'] as string);
    }
    return ids;
  }

  /** Fires `n` pulls at once; returns the keys pulled and how many were refused with 005. */
  async function pullBurst(
    consumerId: string,
    n: number,
  ): Promise<{ keys: string[]; refused: number; empty: number }> {
    const results = await Promise.all(
      Array.from({ length: n }, () => api.get(`/api/msg/pull/${consumerId}`)),
    );
    const keys: string[] = [];
    let refused = 0;
    let empty = 0;
    for (const res of results) {
      if (res.status === 400) {
        expect(res.text).toBe('005:pull_exceeded_concurrency');
        refused++;
      } else {
        expect(res.status).toBe(200);
        if (res.body === null) empty++;
        else keys.push((res.body as { key: string }).key);
      }
    }
    return { keys, refused, empty };
  }

  test('with concurrency 3, bursts of 12 pulls take at most 3 messages each, each message once', async () => {
    await api.post('/api/consumer/create', { consumerId: 'capped', concurrency: 3 });
    const ids = await pushMany('capped', 10);
    const seen: string[] = [];
    for (let round = 0; round < 4; round++) {
      const remaining = ids.length - seen.length;
      const { keys, refused, empty } = await pullBurst('capped', 12);
      // Full rounds: 3 pulled, 9 refused at the cap. The last: what is left, then nulls (under the cap).
      expect([keys.length, refused, empty]).toEqual(
        remaining >= 3 ? [3, 9, 0] : [remaining, 0, 12 - remaining],
      );
      const counts = (await api.get('/api/msg/counts/capped')).body as { active: number };
      expect(counts.active).toBe(keys.length);
      seen.push(...keys);
      for (const key of keys) await api.post('/api/msg/complete', { consumerId: 'capped', messageId: key });
    }
    expect(seen).toEqual(ids);
  });

  test('without a cap, a burst of 30 pulls on 20 messages hands out each exactly once and 10 nulls', async () => {
    await api.post('/api/consumer/create', { consumerId: 'open' });
    const ids = await pushMany('open', 20);
    const { keys, refused, empty } = await pullBurst('open', 30);
    expect([refused, empty]).toEqual([0, 10]);
    expect(new Set(keys).size).toBe(20);
    expect([...keys].sort()).toEqual([...ids].sort());
  });

  test('a raised cap lets more pulls through; a lowered one refuses until enough complete', async () => {
    await api.post('/api/consumer/create', { consumerId: 'resize', concurrency: 1 });
    const ids = await pushMany('resize', 4);
    expect((await pullBurst('resize', 4)).keys).toEqual([ids[0]]);
    await api.post('/api/consumer/concurrency/set', { consumerId: 'resize', concurrency: 3 });
    expect((await pullBurst('resize', 4)).keys.sort()).toEqual([ids[1], ids[2]].sort());
    await api.post('/api/consumer/concurrency/set', { consumerId: 'resize', concurrency: 2 });
    expect((await pullBurst('resize', 2)).refused).toBe(2);
    await api.post('/api/msg/complete', { consumerId: 'resize', messageId: ids[0] });
    await api.post('/api/msg/complete', { consumerId: 'resize', messageId: ids[1] });
    expect((await pullBurst('resize', 3)).keys).toEqual([ids[3]]);
  });
});
