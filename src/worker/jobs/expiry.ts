import type { Store } from '../../store/store';

/** Messages deleted per transaction: bounds how long one expiry pass holds the write lock. */
export const EXPIRY_BATCH = 1000;
/** Batches per run: a backlog larger than this is finished by the next runs. */
const MAX_BATCHES_PER_RUN = 20;

/** Deletes messages past their queue's message_expiration. Returns how many it deleted. */
export async function runOnce(deps: { store: Store }, now: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const deleted = await deps.store.expireMessages(now, EXPIRY_BATCH);
    total += deleted;
    if (deleted < EXPIRY_BATCH) break;
  }
  return total;
}
