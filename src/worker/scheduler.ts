import cron, { type ScheduledTask } from 'node-cron';
import type { EngineDeps } from '../engine/deps';
import type { Logger } from '../log';
import type { ActivityLog } from '../engine/activity-log';
import * as activityFlush from './jobs/activity-flush';
import * as expiry from './jobs/expiry';
import * as idleQueues from './jobs/idle-queues';
import * as timeouts from './jobs/timeouts';
import type { PushDispatcher } from './push-dispatcher';

export interface Worker {
  stop(): Promise<void>;
}

/** Wires the background jobs to node-cron. Each job is a plain runOnce(deps, now); this file only schedules. */
export function startWorker(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'events' | 'node'> & {
    log: Logger;
    push: PushDispatcher;
    /** Queue activity counted in memory, written every `statsFlushSeconds` (a divisor of 60), by every node. */
    activity: ActivityLog;
    statsFlushSeconds: number;
  },
): Worker {
  // Maintenance runs on the elected node only (every node when alone); push delivery runs on every node.
  const leading = () => deps.node.isLeader();
  const tasks: ScheduledTask[] = [
    cron.schedule(
      `*/${deps.statsFlushSeconds} * * * * *`,
      async () => {
        try {
          await activityFlush.runOnce(deps, deps.clock.now());
        } catch (error) {
          deps.log.error('activity flush failed; its counts are kept for the next one', {
            error: String(error),
          });
        }
      },
      { name: 'activity-flush', noOverlap: true },
    ),
    // Every second: expired messages leave `size` promptly.
    cron.schedule(
      '* * * * * *',
      async () => {
        if (!leading()) return;
        try {
          const deleted = await expiry.runOnce(deps, deps.clock.now());
          if (deleted > 0) deps.log.debug('expired messages', { deleted });
        } catch (error) {
          deps.log.error('expiry job failed', { error: String(error) });
        }
      },
      { name: 'expiry', noOverlap: true },
    ),
    // Every second: reservation and overdue timers (consumer statuses and sizes stay current).
    cron.schedule(
      '* * * * * *',
      async () => {
        if (!leading()) return;
        try {
          await timeouts.runOnce(deps, deps.clock.now());
        } catch (error) {
          deps.log.error('timeouts job failed', { error: String(error) });
        }
      },
      { name: 'timeouts', noOverlap: true },
    ),
    // Every minute: queues past their idle expiry.
    cron.schedule(
      '0 * * * * *',
      async () => {
        if (!leading()) return;
        try {
          await idleQueues.runOnce(deps, deps.clock.now());
        } catch (error) {
          deps.log.error('idle-queue job failed', { error: String(error) });
        }
      },
      { name: 'idle-queues', noOverlap: true },
    ),
    // Every second: a safety net under the dispatcher's own wake-ups (posts, freed slots, due times).
    cron.schedule('* * * * * *', () => deps.push.kick(), { name: 'push-delivery' }),
  ];
  return {
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}
