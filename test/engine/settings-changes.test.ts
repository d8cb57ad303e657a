import type { EngineDeps } from '../../src/engine/deps';
import { addAlerts } from '../../src/engine/queue-alerts';
import { putQueue, updateQueue } from '../../src/engine/queues';
import { testEngine } from '../helpers/engine';

/**
 * Settings changes are read-compute-write: two started together both read the same settings. The store's
 * compare-and-set on the queue's version makes the second recompute from the first's result, so no change is
 * lost, whichever request, process or node makes it.
 */

const P = 'aaaaaaaaaaaaaaaaaaaaaaaa';

let deps: EngineDeps;
beforeEach(async () => {
  deps = await testEngine();
  await deps.store.createProject({ id: P, name: 'p', createdAt: 0 });
});
afterEach(() => deps.store.close());

test('alert additions and a PATCH started in the same tick all land', async () => {
  await putQueue(deps, P, 'q', {});
  await Promise.all([
    ...Array.from({ length: 5 }, (_, i) =>
      addAlerts(deps, P, 'q', [{ type: 'fixed', trigger: 10 + i, queue: 'alerts' }]),
    ),
    updateQueue(deps, P, 'q', { messageTimeout: 77 }),
  ]);
  const queue = (await deps.store.getQueue(P, 'q'))!;
  expect(queue.messageTimeout).toBe(77);
  expect(queue.alerts.map((a) => a.trigger).sort()).toEqual([10, 11, 12, 13, 14]);
});

test('two PUTs creating the same queue in the same tick: one creates it, the other updates it', async () => {
  const [a, b] = await Promise.all([
    putQueue(deps, P, 'new', { messageTimeout: 5 }),
    putQueue(deps, P, 'new', { messageExpiration: 600 }),
  ]);
  expect([a.created, b.created].sort()).toEqual([false, true]);
  expect(await deps.store.getQueue(P, 'new')).toMatchObject({ messageTimeout: 5, messageExpiration: 600 });
});
