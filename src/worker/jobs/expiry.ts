import { expireMessages, type MaintenanceDeps } from '../../engine/maintenance';

/** Deletes messages past their queue's message_expiration. Returns how many it deleted. */
export function runOnce(deps: MaintenanceDeps, now: number): Promise<number> {
  return expireMessages(deps, now);
}
