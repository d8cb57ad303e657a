import type { Store } from '../store/store';
import type { EngineEvents } from './events';

/**
 * The bounded passes the worker runs on a schedule: message expiry, fired reservation/overdue timers, idle
 * queues. Each is a plain function of `now`, so tests drive them with a fake clock.
 */
export interface MaintenanceDeps {
  store: Store;
  events?: EngineEvents | undefined;
}

/** Messages deleted per transaction: bounds how long one expiry pass holds the write lock. */
export const EXPIRY_BATCH = 1000;
/** Batches per run: a backlog larger than this is finished by the next runs. */
const MAX_EXPIRY_BATCHES = 20;

/** Deletes messages past their queue's message_expiration. Returns how many it deleted. */
export async function expireMessages(deps: MaintenanceDeps, now: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_EXPIRY_BATCHES; i++) {
    const expired = await deps.store.expireMessages(now, EXPIRY_BATCH);
    total += expired.total;
    for (const queue of expired.byQueue) {
      deps.events?.emit('messages:expired', {
        projectId: queue.projectId,
        queue: queue.name,
        count: queue.count,
      });
    }
    if (expired.total < EXPIRY_BATCH) break;
  }
  return total;
}

/** Queues handled per timers pass: bounds one pass; the rest are handled by the next ones. */
const TIMER_QUEUES_PER_RUN = 200;

/**
 * Applies fired reservation and overdue timers (active → delayed → failed on consumer queues; timed-out
 * reservations back to available on IronMQ queues), so that sizes and counts are right without waiting for
 * the next reserve on each queue. Returns how many queues it touched.
 */
export function applyTimers(deps: MaintenanceDeps, now: number): Promise<number> {
  return deps.store.applyTimers(now, TIMER_QUEUES_PER_RUN);
}

const IDLE_QUEUES_PER_RUN = 100;

/** Deletes queues whose idle expiry passed (CrimsonQ consumers created through /api); returns them. */
export function expireIdleQueues(
  deps: MaintenanceDeps,
  now: number,
): Promise<{ projectId: string; name: string }[]> {
  return deps.store.expireIdleQueues(now, IDLE_QUEUES_PER_RUN);
}
