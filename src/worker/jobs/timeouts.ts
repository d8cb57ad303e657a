import type { Store } from '../../store/store';

/** Queues handled per run: bounds one pass; the rest are handled by the next runs. */
const QUEUES_PER_RUN = 200;

/**
 * Applies fired reservation and overdue timers (active → delayed → failed on consumer queues; timed-out
 * reservations back to available on IronMQ queues), so that sizes and counts are right without waiting for
 * the next reserve on each queue. Returns how many queues it touched.
 */
export function runOnce(deps: { store: Store }, now: number): Promise<number> {
  return deps.store.applyTimers(now, QUEUES_PER_RUN);
}
