import type { FiredAlert } from '../store';
import type { Queryable } from './sql';
import type { TopicRoutes } from './topic-routes';

/**
 * What every PostgreSQL operation works with. Operations are plain async functions `(ctx, …) => result` that run
 * inside the transaction the PostgresStore opened for them (one connection, statements one after another).
 */
export interface PgContext {
  readonly db: Queryable;
  /** Each project's topic routing index, rebuilt when the project's topics_version moved. */
  readonly routes: TopicRoutes;
  /** Alerts fired by this transaction; announced to listeners once it has committed. */
  firedAlerts: FiredAlert[];
  /** Cache invalidations this transaction causes; published to every node with its commit. */
  invalidations: Set<string>;
}

export { row, rows, run, statement, type Queryable, type Statement } from './sql';
