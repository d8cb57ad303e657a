import { startServer, type TestServer } from '../helpers/server';
import { closeClients, redis, RESP_PASS } from '../resp/resp';
import { cq, CQ_PASS, CQ_USER, JWT_SECRET, login } from './cq';

/**
 * statusHistory as CrimsonQ keeps it: `created_at`, then `<status>_at` each time the message enters a status,
 * a second entry overwriting the first; the same over REST and RESP, and after a restart (it is stored).
 */

const ENV = {
  CRIMSONQ_HTTP_USER: CQ_USER,
  CRIMSONQ_HTTP_PASS: CQ_PASS,
  FERRITE_JWT_SECRET: JWT_SECRET,
  CRIMSONQ_RESP_PASS: RESP_PASS,
};
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

interface CqMessage {
  key: string;
  status: string;
  statusHistory: Record<string, string>;
}

let server: TestServer;
afterEach(() => closeClients());
afterAll(() => server?.destroy());

test('push → pull → fail → retry → pull → complete, over REST and RESP alike, and after a restart', async () => {
  server = await startServer({ env: ENV });
  const t0 = server.clock.now();
  const second = (n: number) => server.clock.set(t0 + n * 1000);
  let api = cq(server, await login(server));
  await api.post('/api/consumer/create', { consumerId: 'hist', concurrency: 0 });
  const key = (await api.post('/api/msg/push/consumer', { consumerId: 'hist', messageString: 'x' })).headers[
    'x-message-ids'
  ] as string;

  second(1);
  const pulled = (await api.get('/api/msg/pull/hist')).body as CqMessage;
  expect(pulled.statusHistory).toEqual({ active_at: at(1000), created_at: at(0) });
  second(2);
  await api.post('/api/msg/fail', { consumerId: 'hist', messageId: key, errMsg: 'boom' }).expect(200);
  second(3);
  await api.post('/api/msg/retry', { consumerId: 'hist', messageId: key }).expect(200);
  second(4);
  const again = (await api.get('/api/msg/pull/hist')).body as CqMessage;
  expect(again.statusHistory).toEqual({
    active_at: at(4000),
    created_at: at(0),
    failed_at: at(2000),
    pending_at: at(3000),
  });
  second(5);
  await api.post('/api/msg/complete', { consumerId: 'hist', messageId: key }).expect(200);

  const expected = {
    active_at: at(4000),
    completed_at: at(5000),
    created_at: at(0),
    failed_at: at(2000),
    pending_at: at(3000),
  };
  const overRest = async () =>
    (JSON.parse((await api.get('/api/msg/list/json/hist/completed')).body as string) as CqMessage[])[0]!;
  const overResp = async () =>
    (
      JSON.parse((await redis(server).call('msg.list.json', 'hist', 'completed')) as string) as CqMessage[]
    )[0]!;
  expect((await overRest()).statusHistory).toEqual(expected);
  expect((await overResp()).statusHistory).toEqual(expected);

  // Stored, not derived: the same after a restart on the same data file.
  await server.stop();
  server = await startServer({ dir: server.dir, clock: server.clock, env: ENV });
  api = cq(server, await login(server));
  expect((await overRest()).statusHistory).toEqual(expected);
  expect((await overResp()).statusHistory).toEqual(expected);
});

test('timers: delayed_at and failed_at are when the active and delayed times ran out', async () => {
  const own = await startServer({
    env: { ...ENV, FERRITE_CONSUMER_ACTIVE_SECONDS: '10', FERRITE_CONSUMER_DELAYED_SECONDS: '20' },
  });
  try {
    const t0 = own.clock.now();
    const api = cq(own, await login(own));
    await api.post('/api/consumer/create', { consumerId: 'slow' });
    await api.post('/api/msg/push/consumer', { consumerId: 'slow', messageString: 'x' });
    await api.get('/api/msg/pull/slow');
    // Looked at long after both ran out: the times are when they did.
    own.clock.set(t0 + 3_600_000);
    const [failed] = JSON.parse(
      (await api.get('/api/msg/list/json/slow/failed')).body as string,
    ) as CqMessage[];
    expect(failed!.statusHistory).toEqual({
      active_at: at(0),
      created_at: at(0),
      delayed_at: at(10_000),
      failed_at: at(30_000),
    });
    // RESP authenticates with its own password; the history is the same.
    const r = redis(own);
    expect(await r.call('auth', RESP_PASS)).toBe('ok');
    const [viaResp] = JSON.parse((await r.call('msg.list.json', 'slow', 'failed')) as string) as CqMessage[];
    expect(viaResp!.statusHistory).toEqual(failed!.statusHistory);
  } finally {
    closeClients();
    await own.destroy();
  }
});
