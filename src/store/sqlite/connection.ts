import Database from 'better-sqlite3';
import type { Durability } from '../store-config';
import { prepareActivityStatements } from './activity-statements';
import type { SqliteContext } from './context';
import { prepareDeadLetterStatements } from './dead-letter-statements';
import { prepareStatements } from './statements';
import { TopicRoutes } from './topic-routes';

/** Opens a connection to the data file with the settings every connection of Ferrite uses. */
export function openConnection(file: string, durability: Durability): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability.toUpperCase()}`);
  db.pragma('foreign_keys = ON');
  // A CLI command writing to the same file holds the lock for a few ms at most.
  db.pragma('busy_timeout = 5000');
  return db;
}

/** The context operations run with, on one connection (statements prepared once). */
export function createContext(db: Database.Database): SqliteContext {
  const sql = prepareStatements(db);
  return {
    db,
    sql,
    activity: prepareActivityStatements(db),
    deadLetters: prepareDeadLetterStatements(db),
    routes: new TopicRoutes(sql),
    firedAlerts: [],
  };
}
