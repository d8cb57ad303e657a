import type { ConsumerDefaults } from '../domain/consumers';
import type { NodeRole } from '../store/leadership';
import type { Store } from '../store/store';
import type { Wakeups } from '../store/wakeups';
import type { ActivityLog } from './activity-log';
import type { Clock } from './clock';
import type { EngineEvents } from './events';

/** What every engine operation receives. Passed explicitly; the engine has no module-level state. */
export interface EngineDeps {
  store: Store;
  /** Long polls park here; writes that may make messages available notify their queue. */
  wakeups: Wakeups;
  clock: Clock;
  /** This node among the nodes sharing the store: its name, and whether it runs maintenance now. */
  node: NodeRole;
  events: EngineEvents;
  /** Largest message body in UTF-8 bytes. */
  maxMessageBytes: number;
  /** How long a finished push message keeps its push statuses readable. */
  pushStatusRetentionMs: number;
  /** Settings of consumers created through the CrimsonQ API. */
  consumerDefaults: ConsumerDefaults;
  /** Activity counted in memory since the last flush (stats over time); absent: reads show stored buckets only. */
  activity?: ActivityLog;
}
