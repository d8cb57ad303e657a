import type Database from 'better-sqlite3';
import type { FiredAlert } from '../store';
import type { Statements } from './statements';
import type { TopicRoutes } from './topic-routes';

/**
 * What every SQLite operation works with. Operations are plain functions `(ctx, …) => result` that run
 * synchronously inside the transaction (or read) the SqliteStore opened for them.
 */
export interface SqliteContext {
  readonly db: Database.Database;
  readonly sql: Statements;
  /** Each project's topic routing index, rebuilt when the project's topics_version moved. */
  readonly routes: TopicRoutes;
  /** Alerts fired by writes of the group being committed; announced to listeners once it has committed. */
  firedAlerts: FiredAlert[];
}
