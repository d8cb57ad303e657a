import type { EngineEvents } from '../../engine/events';
import type { Store } from '../../store/store';

/** Messages deleted per transaction: bounds how long one expiry pass holds the write lock. */
export const EXPIRY_BATCH = 1000;
/** Batches per run: a backlog larger than this is finished by the next runs. */
const MAX_BATCHES_PER_RUN = 20;

/** Deletes messages past their queue's message_expiration. Returns how many it deleted. */
export async function runOnce(deps: { store: Store; events?: EngineEvents }, now: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
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
