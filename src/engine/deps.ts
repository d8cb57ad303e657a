import type { Store } from '../store/store';
import type { Clock } from './clock';
import type { ConsumerDefaults } from '../domain/consumers';
import type { EngineEvents } from './events';
import type { Waiters } from './waiters';

/** What every engine operation receives. Passed explicitly; the engine has no module-level state. */
export interface EngineDeps {
  store: Store;
  clock: Clock;
  waiters: Waiters;
  events: EngineEvents;
  /** Largest message body in UTF-8 bytes. */
  maxMessageBytes: number;
  /** How long a finished push message keeps its push statuses readable. */
  pushStatusRetentionMs: number;
  /** Settings of consumers created through the CrimsonQ API. */
  consumerDefaults: ConsumerDefaults;
}
