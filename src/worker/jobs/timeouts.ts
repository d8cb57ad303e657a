import { applyTimers, type MaintenanceDeps } from '../../engine/maintenance';

/** Applies fired reservation and overdue timers; returns how many queues it touched. */
export function runOnce(deps: MaintenanceDeps, now: number): Promise<number> {
  return applyTimers(deps, now);
}
