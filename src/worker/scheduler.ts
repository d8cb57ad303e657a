import cron, { type ScheduledTask } from 'node-cron';
import type { Clock } from '../engine/clock';
import type { EngineEvents } from '../engine/events';
import type { Logger } from '../log';
import type { Store } from '../store/store';
import * as expiry from './jobs/expiry';

export interface Worker {
  stop(): Promise<void>;
}

/** Wires the background jobs to node-cron. Each job is a plain runOnce(deps, now); this file only schedules. */
export function startWorker(deps: { store: Store; clock: Clock; log: Logger; events: EngineEvents }): Worker {
  const tasks: ScheduledTask[] = [
    // Every second: expired messages leave `size` promptly.
    cron.schedule(
      '* * * * * *',
      async () => {
        try {
          const deleted = await expiry.runOnce(deps, deps.clock.now());
          if (deleted > 0) deps.log.debug('expired messages', { deleted });
        } catch (error) {
          deps.log.error('expiry job failed', { error: String(error) });
        }
      },
      { name: 'expiry', noOverlap: true },
    ),
  ];
  return {
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}
