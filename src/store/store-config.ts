/** SQLite `synchronous`: full syncs the WAL on every commit (nothing acknowledged is lost on power failure). */
export type Durability = 'full' | 'normal' | 'off';

/** Which backend to open and how; `loadConfig` builds it from the environment. */
export type StoreConfig = {
  kind: 'sqlite';
  /** The data file; created with its folder on first start. ':memory:' for a throw-away store. */
  file: string;
  durability: Durability;
};
