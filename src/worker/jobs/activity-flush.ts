import type { ActivityLog } from '../../engine/activity-log';

/** Writes the queue activity counted in memory since the last run. Returns how many (queue, minute) counts. */
export function runOnce(deps: { activity: ActivityLog }, now: number): Promise<number> {
  return deps.activity.flush(now);
}
