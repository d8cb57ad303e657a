import type { Logger } from '../../log';
import type { Store } from '../../store/store';

const QUEUES_PER_RUN = 100;

/**
 * Deletes queues whose idle expiry passed (CrimsonQ consumers created through /api: 48 h without a pull,
 * counts or subscribe by default). Every deletion is logged: it destroys the queue's messages.
 */
export async function runOnce(deps: { store: Store; log: Logger }, now: number): Promise<number> {
  const expired = await deps.store.expireIdleQueues(now, QUEUES_PER_RUN);
  for (const queue of expired) {
    deps.log.warn('idle queue expired and was deleted', { projectId: queue.projectId, queue: queue.name });
  }
  return expired.length;
}
