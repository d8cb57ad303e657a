import { expireIdleQueues, type MaintenanceDeps } from '../../engine/maintenance';
import type { Logger } from '../../log';

/**
 * Deletes queues whose idle expiry passed (CrimsonQ consumers created through /api: 48 h without a pull,
 * counts or subscribe by default). Every deletion is logged: it destroys the queue's messages.
 */
export async function runOnce(deps: MaintenanceDeps & { log: Logger }, now: number): Promise<number> {
  const expired = await expireIdleQueues(deps, now);
  for (const queue of expired) {
    deps.log.warn('idle queue expired and was deleted', { projectId: queue.projectId, queue: queue.name });
  }
  return expired.length;
}
