import { runOnce as expireOnce } from '../../src/worker/jobs/expiry';
import { q } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startReceiver } from '../helpers/receiver';
import { startServer, type TestServer } from '../helpers/server';
import { EventLog, PUSH_ENV, SECOND, fresh, pushApi, type PushApi } from './push-kit';

/**
 * Alerts (spec §2): evaluated on every size change the engine makes (post, delete, clear, expiry), each firing
 * posting a JSON message to the alert's queue.
 */

let server: TestServer;
let push: PushApi;
let events: EventLog;

beforeAll(async () => {
  server = await startServer({ env: PUSH_ENV });
  push = pushApi(server);
  events = new EventLog(server);
});
afterAll(() => server.destroy());

interface AlertBody {
  source_queue: string;
  alert_id: string;
  alert_type: string;
  alert_direction: string;
  alert_trigger: number;
  queue_size: number;
}

interface WireAlert {
  id: string;
  type: string;
  direction: string;
  trigger: number;
  queue: string;
  snooze: number;
}

/** A pull queue watched by the given alerts (sent without ids); returns the alerts as stored, with ids. */
async function watched(queue: string, ...alerts: object[]): Promise<WireAlert[]> {
  const created = await push.createQueue(queue, { alerts });
  return created.alerts as WireAlert[];
}

/** Posts `n` messages in one request (one size change). */
async function grow(queue: string, n: number): Promise<string[]> {
  return push.post(queue, ...Array.from({ length: n }, (_, i) => `m${i}`));
}

/** Removes `n` messages in one request (a reserve with delete: one size change). */
async function shrink(queue: string, n: number): Promise<void> {
  const res = await push.http.post(`/queues/${q(queue)}/reservations`).send({ n, delete: true });
  expectMatchesSpec(res);
  expect(res.body.messages).toHaveLength(n);
}

/** The alert messages posted to `target` so far, oldest first (empty when the queue does not exist yet). */
async function fired(target: string): Promise<AlertBody[]> {
  const res = await push.http.get(`/queues/${q(target)}/messages?n=100`);
  if (res.status === 404) return [];
  expectMatchesSpec(res);
  return (res.body.messages as { body: string }[]).map((m) => JSON.parse(m.body) as AlertBody);
}

const sizes = async (target: string) => (await fired(target)).map((a) => a.queue_size);

describe('fixed alerts', () => {
  test('asc fires once when the size grows to the trigger, and again only after it went back below', async () => {
    const queue = fresh('fixed asc');
    const target = fresh('fixed-asc-alerts');
    const [alert] = await watched(queue, { type: 'fixed', direction: 'asc', trigger: 3, queue: target });

    await grow(queue, 2);
    expect(await sizes(target)).toEqual([]);
    await grow(queue, 1); // 3: reaches the trigger
    expect(await sizes(target)).toEqual([3]);
    await grow(queue, 4); // 7: still above, no repeat
    await shrink(queue, 2); // 5
    expect(await sizes(target)).toEqual([3]);
    await shrink(queue, 3); // 2: below again, re-armed
    expect(await sizes(target)).toEqual([3]);
    await grow(queue, 5); // 7: jumps past the trigger in one post
    expect(await sizes(target)).toEqual([3, 7]);

    const [first] = await fired(target);
    expect(first).toEqual({
      source_queue: queue,
      alert_id: alert!.id,
      alert_type: 'fixed',
      alert_direction: 'asc',
      alert_trigger: 3,
      queue_size: 3,
    });
    expect(events.all('alert:fired', (e) => e.queue === queue)).toEqual([
      { projectId: server.projectId, queue, alertId: alert!.id, size: 3 },
      { projectId: server.projectId, queue, alertId: alert!.id, size: 7 },
    ]);
    // The target queue is an ordinary pull queue, created by the first alert, and fires no alerts itself.
    expect(await push.info(target)).toMatchObject({ type: 'pull', size: 2 });
  });

  test('desc fires once when the size shrinks to the trigger, and again only after it went back above', async () => {
    const queue = fresh('fixed-desc');
    const target = fresh('fixed-desc-alerts');
    await watched(queue, { type: 'fixed', direction: 'desc', trigger: 2, queue: target });

    await grow(queue, 5); // 0 → 5: growing never fires a desc alert
    expect(await sizes(target)).toEqual([]);
    await shrink(queue, 2); // 3
    expect(await sizes(target)).toEqual([]);
    await shrink(queue, 1); // 2: reaches the trigger
    expect(await sizes(target)).toEqual([2]);
    await shrink(queue, 1); // 1
    await grow(queue, 1); // 2: not above the trigger, still disarmed
    await shrink(queue, 1); // 1
    expect(await sizes(target)).toEqual([2]);
    await grow(queue, 4); // 5: above, re-armed
    await shrink(queue, 5); // 0: past the trigger in one step
    expect(await sizes(target)).toEqual([2, 0]);
    expect((await fired(target))[0]).toMatchObject({ alert_type: 'fixed', alert_direction: 'desc' });
  });
});

describe('progressive alerts', () => {
  test('asc fires at every multiple of the trigger the size grows to', async () => {
    const queue = fresh('prog-asc');
    const target = fresh('prog-asc-alerts');
    await watched(queue, { type: 'progressive', direction: 'asc', trigger: 5, queue: target });

    await grow(queue, 4);
    expect(await sizes(target)).toEqual([]);
    await grow(queue, 1); // 5
    await grow(queue, 4); // 9
    await grow(queue, 1); // 10
    expect(await sizes(target)).toEqual([5, 10]);
    await grow(queue, 12); // 22: past 15 and 20 in one post, one alert
    expect(await sizes(target)).toEqual([5, 10, 22]);
    await shrink(queue, 3); // 19: shrinking never fires an asc alert
    await grow(queue, 1); // 20: reached again
    expect(await sizes(target)).toEqual([5, 10, 22, 20]);
    expect((await fired(target))[0]).toMatchObject({ alert_type: 'progressive', alert_trigger: 5 });
  });

  test('desc fires at every multiple of the trigger the size shrinks to', async () => {
    const queue = fresh('prog-desc');
    const target = fresh('prog-desc-alerts');
    await watched(queue, { type: 'progressive', direction: 'desc', trigger: 5, queue: target });

    await grow(queue, 12);
    expect(await sizes(target)).toEqual([]);
    await shrink(queue, 1); // 11
    await shrink(queue, 1); // 10
    await shrink(queue, 4); // 6
    await shrink(queue, 1); // 5
    expect(await sizes(target)).toEqual([10, 5]);
    await shrink(queue, 5); // 0
    expect(await sizes(target)).toEqual([10, 5, 0]);
  });
});

describe('snooze', () => {
  test('a firing within snooze seconds of the last one is skipped', async () => {
    const queue = fresh('snooze');
    const target = fresh('snooze-alerts');
    await watched(queue, { type: 'progressive', direction: 'asc', trigger: 1, queue: target, snooze: 30 });

    await grow(queue, 1); // fires
    await grow(queue, 1); // snoozed
    server.clock.advance(30 * SECOND - 1);
    await grow(queue, 1); // still snoozed
    expect(await sizes(target)).toEqual([1]);
    server.clock.advance(1);
    await grow(queue, 1); // 30 s after the firing
    expect(await sizes(target)).toEqual([1, 4]);
  });

  test('a fixed alert crossing during its snooze does not fire, and needs a new crossing after it', async () => {
    const queue = fresh('snooze-fixed');
    const target = fresh('snooze-fixed-alerts');
    await watched(queue, { type: 'fixed', direction: 'asc', trigger: 2, queue: target, snooze: 60 });

    await grow(queue, 2); // fires
    await shrink(queue, 2);
    await grow(queue, 2); // crosses again within 60 s: skipped
    expect(await sizes(target)).toEqual([2]);
    server.clock.advance(61 * SECOND);
    await grow(queue, 1); // 3: no new crossing
    expect(await sizes(target)).toEqual([2]);
    await shrink(queue, 3);
    await grow(queue, 2); // a crossing after the snooze
    expect(await sizes(target)).toEqual([2, 2]);
  });
});

describe('size changes that evaluate alerts', () => {
  test('deleting one message, clearing the queue and expiry fire alerts too', async () => {
    const queue = fresh('every-change');
    const target = fresh('every-change-alerts');
    await push.createQueue(queue, {
      message_expiration: 60,
      alerts: [{ type: 'fixed', direction: 'desc', trigger: 2, queue: target }],
    });

    const ids = await grow(queue, 3);
    const deleted = await push.http.delete(`/queues/${q(queue)}/messages/${ids[0]}`).send({});
    expectMatchesSpec(deleted);
    expect(deleted.status).toBe(200);
    expect(await sizes(target)).toEqual([2]);

    await grow(queue, 3); // 5: re-armed
    const cleared = await push.http.delete(`/queues/${q(queue)}/messages`).send({});
    expectMatchesSpec(cleared);
    expect(cleared.body).toEqual({ msg: 'Cleared' });
    expect(await sizes(target)).toEqual([2, 0]);

    await grow(queue, 4); // 4: re-armed
    server.clock.advance(61 * SECOND);
    const expired = await expireOnce(
      { store: server.store, events: server.engine.events },
      server.clock.now(),
    );
    expect(expired).toBeGreaterThanOrEqual(4);
    expect((await push.info(queue)).size).toBe(0);
    expect(await sizes(target)).toEqual([2, 0, 0]);
  });

  test('an alert into a push queue is delivered at once: the alert that scales workers', async () => {
    const scaler = await startReceiver();
    try {
      const queue = fresh('jobs');
      const target = fresh('scale-up');
      await push.createPushQueue(target, [{ name: 'autoscaler', url: scaler.url('/scale') }]);
      await watched(queue, { type: 'progressive', direction: 'asc', trigger: 10, queue: target });
      await grow(queue, 10);
      // No drain(), no clock: the firing wakes the dispatcher.
      const [request] = await scaler.received(1, 3000);
      expect(JSON.parse(request!.body)).toMatchObject({ source_queue: queue, queue_size: 10 });
    } finally {
      await scaler.close();
    }
  });
});

describe('the /alerts routes', () => {
  test('POST adds alerts with ids and answers the queue; an existing id is replaced', async () => {
    const queue = fresh('routes-add');
    await push.createQueue(queue, {});
    const path = `/queues/${q(queue)}/alerts`;

    const added = await push.http.post(path).send({ alerts: [{ type: 'fixed', trigger: 10, queue: 'ops' }] });
    expectMatchesSpec(added);
    expect(added.status).toBe(200);
    expect(added.body.queue.name).toBe(queue);
    const [first] = added.body.queue.alerts as WireAlert[];
    expect(first).toEqual({
      id: expect.stringMatching(/^\S+$/),
      type: 'fixed',
      direction: 'asc',
      trigger: 10,
      queue: 'ops',
      snooze: 0,
    });

    const more = await push.http.post(path).send({
      alerts: [
        { type: 'progressive', direction: 'desc', trigger: 3, queue: 'ops', snooze: 5 },
        { id: first!.id, type: 'fixed', direction: 'desc', trigger: 1, queue: 'ops2' },
      ],
    });
    expectMatchesSpec(more);
    const alerts = more.body.queue.alerts as WireAlert[];
    expect(alerts).toHaveLength(2);
    expect(alerts.find((a) => a.id === first!.id)).toMatchObject({
      direction: 'desc',
      trigger: 1,
      queue: 'ops2',
    });
    expect(alerts.find((a) => a.id !== first!.id)).toMatchObject({ type: 'progressive', snooze: 5 });
    expect((await push.info(queue)).alerts).toEqual(alerts);
  });

  test('PUT replaces the list; [] removes every alert', async () => {
    const queue = fresh('routes-put');
    await watched(
      queue,
      { type: 'fixed', trigger: 1, queue: 'a' },
      { type: 'fixed', trigger: 2, queue: 'b' },
    );
    const path = `/queues/${q(queue)}/alerts`;
    const replaced = await push.http
      .put(path)
      .send({ alerts: [{ type: 'progressive', trigger: 7, queue: 'c' }] });
    expectMatchesSpec(replaced);
    expect(replaced.status).toBe(200);
    expect(replaced.body.queue.alerts).toEqual([
      expect.objectContaining({ type: 'progressive', trigger: 7, queue: 'c' }),
    ]);

    const emptied = await push.http.put(path).send({ alerts: [] });
    expectMatchesSpec(emptied);
    expect(emptied.body.queue.alerts).toBeUndefined();
  });

  test('DELETE removes alerts by a list of ids or by one id; an unknown id is 404 and removes nothing', async () => {
    const queue = fresh('routes-delete');
    const [a, b, c] = await watched(
      queue,
      { type: 'fixed', trigger: 1, queue: 'x' },
      { type: 'fixed', trigger: 2, queue: 'x' },
      { type: 'fixed', trigger: 3, queue: 'x' },
    );
    const path = `/queues/${q(queue)}/alerts`;

    const unknown = await push.http.delete(path).send({ alerts: [{ id: a!.id }, { id: 'no-such-alert' }] });
    expectMatchesSpec(unknown);
    expect([unknown.status, unknown.body]).toEqual([404, { msg: 'Alert not found' }]);
    expect((await push.info(queue)).alerts).toHaveLength(3);

    const listed = await push.http.delete(path).send({ alerts: [{ id: a!.id }, { id: b!.id }] });
    expectMatchesSpec(listed);
    expect([listed.status, listed.body]).toEqual([200, { msg: 'Deleted' }]);
    expect(((await push.info(queue)).alerts as WireAlert[]).map((x) => x.id)).toEqual([c!.id]);

    const one = await push.http.delete(`${path}/${c!.id}`);
    expectMatchesSpec(one);
    expect([one.status, one.body]).toEqual([200, { msg: 'Deleted' }]);
    expect((await push.info(queue)).alerts).toBeUndefined();

    const again = await push.http.delete(`${path}/${c!.id}`);
    expectMatchesSpec(again);
    expect([again.status, again.body]).toEqual([404, { msg: 'Alert not found' }]);
  });

  test('on a missing queue the routes answer 404; bad alerts 400', async () => {
    const missing = fresh('routes-missing');
    for (const res of [
      await push.http
        .post(`/queues/${missing}/alerts`)
        .send({ alerts: [{ type: 'fixed', trigger: 1, queue: 'x' }] }),
      await push.http.put(`/queues/${missing}/alerts`).send({ alerts: [] }),
      await push.http.delete(`/queues/${missing}/alerts`).send({ alerts: [{ id: 'x' }] }),
      await push.http.delete(`/queues/${missing}/alerts/x`),
    ]) {
      expectMatchesSpec(res);
      expect([res.status, res.body]).toEqual([404, { msg: 'Queue not found' }]);
    }

    const queue = fresh('routes-bad');
    await push.createQueue(queue, {});
    const bad: object[] = [
      { type: 'weird', trigger: 1, queue: 'x' },
      { type: 'fixed', direction: 'up', trigger: 1, queue: 'x' },
      { type: 'fixed', trigger: 0, queue: 'x' },
      { type: 'fixed', trigger: 1 },
      { type: 'fixed', trigger: 1, queue: queue },
      { type: 'fixed', trigger: 1, queue: 'x', snooze: -1 },
    ];
    for (const alert of bad) {
      const res = await push.http.post(`/queues/${q(queue)}/alerts`).send({ alerts: [alert] });
      expectMatchesSpec(res);
      expect([JSON.stringify(alert), res.status]).toEqual([JSON.stringify(alert), 400]);
    }
    expect((await push.info(queue)).alerts).toBeUndefined();
  });
});

describe('alerts through create and PATCH', () => {
  test('PATCH with alerts echoes them in the response (the Java testUpdateQueueAlerts)', async () => {
    const queue = fresh('java-alerts');
    await push.createQueue(queue, {});
    const res = await push.http.patch(`/queues/${q(queue)}`).send({
      queue: { alerts: [{ type: 'progressive', direction: 'asc', trigger: 5, queue: 'some_q' }] },
    });
    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue.alerts[0]).toMatchObject({
      type: 'progressive',
      direction: 'asc',
      trigger: 5,
      queue: 'some_q',
    });
    expect(res.body.queue.alerts[0].id).toEqual(expect.any(String));
  });

  test('PATCH with the same alert id keeps its firing state; create with alerts works', async () => {
    const queue = fresh('patch-state');
    const target = fresh('patch-state-alerts');
    const [alert] = await watched(queue, { type: 'fixed', trigger: 2, queue: target });
    await grow(queue, 2); // fires, disarmed
    const res = await push.http
      .patch(`/queues/${q(queue)}`)
      .send({ queue: { alerts: [{ ...alert, snooze: 1 }] } });
    expectMatchesSpec(res);
    expect(res.body.queue.alerts).toEqual([{ ...alert, snooze: 1 }]);
    await grow(queue, 1); // still above: no new firing
    expect(await sizes(target)).toEqual([2]);
  });

  test('alerts on a push queue are refused with 400', async () => {
    const queue = fresh('push-alerts');
    await push.createPushQueue(queue, [{ name: 's', url: 'http://example.com/' }]);
    const viaRoute = await push.http
      .post(`/queues/${q(queue)}/alerts`)
      .send({ alerts: [{ type: 'fixed', trigger: 1, queue: 'x' }] });
    expectMatchesSpec(viaRoute);
    expect([viaRoute.status, viaRoute.body]).toEqual([400, { msg: 'Alerts can only be set on pull queues' }]);
    const viaPatch = await push.http
      .patch(`/queues/${q(queue)}`)
      .send({ queue: { alerts: [{ type: 'fixed', trigger: 1, queue: 'x' }] } });
    expectMatchesSpec(viaPatch);
    expect(viaPatch.status).toBe(400);
  });
});
