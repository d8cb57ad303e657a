/** SQLite `synchronous`: full syncs the WAL on every commit (nothing acknowledged is lost on power failure). */
export type Durability = 'full' | 'normal' | 'off';

/** Which backend to open and how; `loadConfig` builds it from the environment. */
export type StoreConfig =
  | {
      kind: 'sqlite';
      /** The data file; created with its folder on first start. ':memory:' for a throw-away store. */
      file: string;
      durability: Durability;
      /** This node's name (one SQLite server is always its own leader). */
      nodeId?: string;
    }
  | {
      kind: 'postgres';
      /** postgres://… with its TLS settings (sslmode, sslrootcert …) as URL parameters. */
      url: string;
      poolSize: number;
      statementTimeoutMs: number;
      connectTimeoutMs: number;
      /** LISTEN for other nodes' wake-ups and invalidations; false: poll mode (PgBouncer transaction pooling). */
      listen: boolean;
      /** Poll mode (or the channel down): how long a parked long poll waits before it looks again. */
      pollMs: number;
      /** This node's name, unique among the nodes sharing the database. */
      nodeId: string;
    };
