import type Database from 'better-sqlite3';
import type { FiredAlert } from '../store';
import type { ActivityStatements } from './activity-statements';
import type { DeadLetterStatements } from './dead-letter-statements';
import type { Statements } from './statements';
import type { TopicRoutes } from './topic-routes';

/**
 * What every SQLite operation works with. Operations are plain functions `(ctx, …) => result` that run
 * synchronously inside the transaction (or read) the SqliteStore opened for them.
 */
export interface SqliteContext {
  readonly db: Database.Database;
  readonly sql: Statements;
  /** Statements of the activity buckets (0006). */
  readonly activity: ActivityStatements;
  /** Statements of dead-letter origins, redrive and queue health (0006). */
  readonly deadLetters: DeadLetterStatements;
  /** Each project's topic routing index, rebuilt when the project's topics_version moved. */
  readonly routes: TopicRoutes;
  /** Alerts fired by writes of the group being committed; announced to listeners once it has committed. */
  firedAlerts: FiredAlert[];
}
