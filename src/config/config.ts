import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Durability, StoreConfig } from '../store/store-config';

/** Every setting: its env var, default and meaning. README's configuration table is generated from the same facts. */
export interface Config {
  auth: AuthMode;
  port: number;
  host: string;
  dbFile: string;
  durability: Durability;
  maxMessageBytes: number;
  maxRequestBytes: number;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  defaultProjectId: string | undefined;
  defaultToken: string | undefined;
  shutdownGraceMs: number;
  publicUrl: string | undefined;
  pushTimeoutMs: number;
  pushConcurrency: number;
  pushQueueConcurrency: number;
  pushAllowPrivate: boolean;
  pushStatusRetentionSeconds: number;
  crimsonqUser: string;
  crimsonqPassword: string;
  jwtSecret: string | undefined;
  crimsonqProjectId: string | undefined;
  consumerActiveTimeout: number;
  consumerOverdueTimeout: number;
  consumerIdleExpiryHours: number;
  subscribeHeartbeatSeconds: number;
  respPort: number;
  crimsonqRespPassword: string;
  respAllowList: '*' | string[];
  respMaxConnections: number;
  respMaxBulkBytes: number;
  respIdleTimeoutMs: number;
  respMaxOutputBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  maxLongPolls: number;
  statsFlushSeconds: number;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  databaseStatementTimeoutMs: number;
  databaseConnectTimeoutMs: number;
  databaseListen: boolean;
  databasePollMs: number;
  nodeId: string | undefined;
  sqsIronmqAuth: boolean;
  sqsRegion: string;
  /** The backend, built from the settings above (FERRITE_DATABASE_URL, else FERRITE_DB_FILE). */
  store: StoreConfig;
}

/**
 * `token`: every IronMQ request needs a live token of its project. `open`: any well-formed project id is created
 * on first use and any token is accepted for it, as the retired `iron/mq:lite` image did (tests and CI only).
 */
export type AuthMode = 'token' | 'open';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface Setting<T> {
  env: string;
  doc: string;
  default: T;
  parse: (raw: string, env: string) => T;
}

function integer(min: number, max: number) {
  return (raw: string, env: string): number => {
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${env} must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max)
      throw new ConfigError(`${env} must be between ${min} and ${max}, got ${value}`);
    return value;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string, env: string): T => {
    const value = raw.trim().toLowerCase();
    if (!(values as readonly string[]).includes(value)) {
      throw new ConfigError(`${env} must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return value as T;
  };
}

const text = (raw: string) => raw;

function boolean(raw: string, env: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new ConfigError(`${env} must be true or false, got "${raw}"`);
}
const optional = (raw: string) => (raw === '' ? undefined : raw);

/** `*`, or a comma-separated list of IP addresses and CIDR ranges (`10.0.0.0/8`, `::1`). */
function addressList(raw: string, env: string): '*' | string[] {
  if (raw.trim() === '*') return '*';
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new ConfigError(`${env} must be * or a list of addresses, got "${raw}"`);
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`${env}: "${entry}" is not an IP address or CIDR range`);
    }
  }
  return entries;
}

export const SETTINGS = {
  auth: {
    env: 'FERRITE_AUTH',
    doc: 'token: every request needs a token of its project; open: any project id and token are accepted, like iron/mq:lite (tests and CI only; binds to 127.0.0.1 unless FERRITE_HOST is set)',
    default: 'token',
    parse: oneOf(['token', 'open'] as const),
  },
  port: {
    env: 'FERRITE_PORT',
    doc: 'TCP port to listen on (0: any free port)',
    default: 8080,
    parse: integer(0, 65535),
  },
  host: {
    env: 'FERRITE_HOST',
    doc: 'Address to bind (127.0.0.1 when FERRITE_AUTH=open and this is unset)',
    default: '0.0.0.0',
    parse: text,
  },
  dbFile: {
    env: 'FERRITE_DB_FILE',
    doc: 'SQLite data file; created with its folder on first start',
    default: './data/ferrite.db',
    parse: text,
  },
  durability: {
    env: 'FERRITE_DURABILITY',
    doc: 'full: an acknowledged write survives power loss; normal: survives a process crash, may lose the last commits on power loss; off: survives a process crash only',
    default: 'full',
    parse: oneOf(['full', 'normal', 'off'] as const),
  },
  maxMessageBytes: {
    env: 'FERRITE_MAX_MESSAGE_BYTES',
    doc: 'Largest message body, in bytes',
    default: 262_144,
    parse: integer(1, 64 * 1024 * 1024),
  },
  maxRequestBytes: {
    env: 'FERRITE_MAX_REQUEST_BYTES',
    doc: 'Largest request body, in bytes; larger requests are refused with 413 before being read whole',
    default: 8 * 1024 * 1024,
    parse: integer(1024, 1024 * 1024 * 1024),
  },
  logLevel: {
    env: 'FERRITE_LOG_LEVEL',
    doc: 'error, warn, info or debug (debug logs one line per request)',
    default: 'info',
    parse: oneOf(['error', 'warn', 'info', 'debug'] as const),
  },
  defaultProjectId: {
    env: 'FERRITE_PROJECT_ID',
    doc: 'Id of the project created on first start (24 hex chars); generated when unset',
    default: undefined,
    parse: (raw: string, env: string) => {
      if (raw !== '' && !/^[0-9a-f]{24}$/.test(raw)) {
        throw new ConfigError(`${env} must be 24 lowercase hex characters, got "${raw}"`);
      }
      return optional(raw);
    },
  },
  defaultToken: {
    env: 'FERRITE_TOKEN',
    doc: 'Token of the project created on first start (16-512 chars); generated and printed when unset',
    default: undefined,
    parse: (raw: string, env: string) => {
      if (raw !== '' && (raw.length < 16 || raw.length > 512 || /\s/.test(raw))) {
        throw new ConfigError(`${env} must be 16 to 512 characters without white space`);
      }
      return optional(raw);
    },
  },
  shutdownGraceMs: {
    env: 'FERRITE_SHUTDOWN_GRACE_MS',
    doc: 'How long shutdown waits for in-flight requests before closing connections',
    default: 10_000,
    parse: integer(0, 600_000),
  },
  publicUrl: {
    env: 'FERRITE_PUBLIC_URL',
    doc: 'Base URL subscribers use to acknowledge pushes (Iron-Subscriber-Message-Url); default http://localhost:PORT',
    default: undefined,
    parse: (raw: string, env: string) => {
      if (raw === '') return undefined;
      if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(raw))
        throw new ConfigError(`${env} must be an http(s) URL, got "${raw}"`);
      return raw.replace(/\/+$/, '');
    },
  },
  pushTimeoutMs: {
    env: 'FERRITE_PUSH_TIMEOUT_MS',
    doc: 'How long a push delivery may take (connect, headers and body) before it counts as failed',
    default: 10_000,
    parse: integer(100, 600_000),
  },
  pushConcurrency: {
    env: 'FERRITE_PUSH_CONCURRENCY',
    doc: 'Push deliveries in flight at once, over all queues',
    default: 32,
    parse: integer(1, 10_000),
  },
  pushQueueConcurrency: {
    env: 'FERRITE_PUSH_QUEUE_CONCURRENCY',
    doc: 'Push deliveries in flight at once for one queue, so one slow subscriber cannot starve the others',
    default: 8,
    parse: integer(1, 10_000),
  },
  pushAllowPrivate: {
    env: 'FERRITE_PUSH_ALLOW_PRIVATE',
    doc: 'Allow push subscribers on loopback, private, link-local and metadata addresses (local development only)',
    default: false,
    parse: boolean,
  },
  pushStatusRetentionSeconds: {
    env: 'FERRITE_PUSH_STATUS_RETENTION_SECONDS',
    doc: 'How long a delivered push message keeps its push statuses readable',
    default: 86_400,
    parse: integer(0, 2_592_000),
  },
  crimsonqUser: {
    env: 'CRIMSONQ_HTTP_USER',
    doc: 'CrimsonQ API login user (POST /login); the default is for development only',
    default: 'crimsonQ',
    parse: text,
  },
  crimsonqPassword: {
    env: 'CRIMSONQ_HTTP_PASS',
    doc: 'CrimsonQ API login password; the default is for development only',
    default: 'crimsonQ!',
    parse: text,
  },
  jwtSecret: {
    env: 'FERRITE_JWT_SECRET',
    doc: 'HS256 secret of CrimsonQ API tokens (≥ 32 chars); generated and kept in the data file when unset',
    default: undefined,
    parse: (raw: string, env: string) => {
      if (raw !== '' && raw.length < 32) throw new ConfigError(`${env} must be at least 32 characters`);
      return optional(raw);
    },
  },
  crimsonqProjectId: {
    env: 'FERRITE_CRIMSONQ_PROJECT_ID',
    doc: 'Project the CrimsonQ API works in for tokens without a project claim; default: the first project',
    default: undefined,
    parse: (raw: string, env: string) => {
      if (raw !== '' && !/^[0-9a-f]{24}$/.test(raw))
        throw new ConfigError(`${env} must be 24 lowercase hex characters`);
      return optional(raw);
    },
  },
  consumerActiveTimeout: {
    env: 'FERRITE_CONSUMER_ACTIVE_SECONDS',
    doc: 'CrimsonQ active_before_delayed: seconds before an active message of a consumer becomes delayed',
    default: 30,
    parse: integer(1, 86_400),
  },
  consumerOverdueTimeout: {
    env: 'FERRITE_CONSUMER_DELAYED_SECONDS',
    doc: 'CrimsonQ delayed_before_failed: seconds a delayed message waits before it fails',
    default: 30,
    parse: integer(0, 86_400),
  },
  consumerIdleExpiryHours: {
    env: 'FERRITE_CONSUMER_IDLE_HOURS',
    doc: 'Consumers created through /api are deleted after this many hours without pull, counts or subscribe; 0: never',
    default: 48,
    parse: integer(0, 87_600),
  },
  subscribeHeartbeatSeconds: {
    env: 'FERRITE_SUBSCRIBE_HEARTBEAT_SECONDS',
    doc: 'How often subscribers (RESP SUBSCRIBE, /api/subscribe streams) get pendingCount:<n>; an open subscription keeps its consumer alive',
    default: 30,
    parse: integer(1, 3600),
  },
  respPort: {
    env: 'FERRITE_RESP_PORT',
    doc: 'TCP port of the CrimsonQ RESP (Redis protocol) interface, on FERRITE_HOST; 0 turns it off',
    default: 9001,
    parse: integer(0, 65535),
  },
  crimsonqRespPassword: {
    env: 'CRIMSONQ_RESP_PASS',
    doc: 'Password of the RESP interface (AUTH <password>); the default is for development only',
    default: 'crimsonQ!',
    parse: text,
  },
  respAllowList: {
    env: 'FERRITE_RESP_IP_ALLOWLIST',
    doc: 'Client addresses the RESP interface accepts: * or a comma-separated list of IPs and CIDR ranges; others are dropped without a reply',
    default: '*',
    parse: addressList,
  },
  respMaxConnections: {
    env: 'FERRITE_RESP_MAX_CONNECTIONS',
    doc: 'RESP connections served at once; one more gets -ERR max number of clients reached and is closed',
    default: 1000,
    parse: integer(1, 1_000_000),
  },
  respMaxBulkBytes: {
    env: 'FERRITE_RESP_MAX_BULK_BYTES',
    doc: 'Largest RESP argument (bulk string), bytes; a command may take twice this in all. A longer one is refused when its length arrives and the connection closed',
    default: 512 * 1024,
    parse: integer(1024, 512 * 1024 * 1024),
  },
  respIdleTimeoutMs: {
    env: 'FERRITE_RESP_IDLE_TIMEOUT_MS',
    doc: 'A RESP connection without a complete command for this long is closed (a subscriber is not idle unless it holds half a command)',
    default: 300_000,
    parse: integer(100, 86_400_000),
  },
  respMaxOutputBytes: {
    env: 'FERRITE_RESP_MAX_OUTPUT_BYTES',
    doc: 'Unsent reply bytes a RESP connection may hold: commands wait for the client to read; a subscriber past it is disconnected',
    default: 1024 * 1024,
    parse: integer(1024, 1024 * 1024 * 1024),
  },
  headersTimeoutMs: {
    env: 'FERRITE_HEADERS_TIMEOUT_MS',
    doc: 'How long a client may take to send the request line and headers (slow clients get 408)',
    default: 20_000,
    parse: integer(1_000, 600_000),
  },
  requestTimeoutMs: {
    env: 'FERRITE_REQUEST_TIMEOUT_MS',
    doc: 'How long a client may take to send a whole request, body included; not the answer, so long polls are unaffected',
    default: 60_000,
    parse: integer(1_000, 3_600_000),
  },
  keepAliveTimeoutMs: {
    env: 'FERRITE_KEEP_ALIVE_TIMEOUT_MS',
    doc: 'How long an idle keep-alive connection stays open between requests',
    default: 30_000,
    parse: integer(100, 600_000),
  },
  maxConnections: {
    env: 'FERRITE_MAX_CONNECTIONS',
    doc: 'Open client connections served at once; requests on connections over it get 503 and are closed. Keep it under `ulimit -n`',
    default: 1000,
    parse: integer(1, 1_000_000),
  },
  statsFlushSeconds: {
    env: 'FERRITE_STATS_FLUSH_SECONDS',
    doc: 'How often queue activity counted in memory is written to the data file (and at shutdown); a crash loses at most this many seconds of counts, never a message. A divisor of 60',
    default: 10,
    parse: (raw: string, env: string) => {
      const value = integer(1, 60)(raw, env);
      if (60 % value !== 0)
        throw new ConfigError(`${env} must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)`);
      return value;
    },
  },
  maxLongPolls: {
    env: 'FERRITE_MAX_LONG_POLLS',
    doc: 'Reserves parked in a long poll (`wait`) at once; one more that would have to wait gets 503 (retry later)',
    default: 800,
    parse: integer(0, 1_000_000),
  },
  databaseUrl: {
    env: 'FERRITE_DATABASE_URL',
    doc: 'postgres://user:password@host:port/database: run on PostgreSQL (several nodes may share it) instead of the SQLite file; TLS settings as URL parameters (sslmode=verify-full, sslrootcert=…)',
    default: undefined,
    parse: (raw: string, env: string) => {
      if (raw === '') return undefined;
      if (!/^postgres(ql)?:\/\/\S+$/.test(raw)) {
        throw new ConfigError(`${env} must be a postgres:// URL`);
      }
      return raw;
    },
  },
  databasePoolSize: {
    env: 'FERRITE_DATABASE_POOL_SIZE',
    doc: 'PostgreSQL: connections this node keeps at most (plus one that listens for the other nodes)',
    default: 10,
    parse: integer(1, 1000),
  },
  databaseStatementTimeoutMs: {
    env: 'FERRITE_DATABASE_STATEMENT_TIMEOUT_MS',
    doc: 'PostgreSQL: a statement running longer is cancelled and its request answered 503',
    default: 5_000,
    parse: integer(100, 600_000),
  },
  databaseConnectTimeoutMs: {
    env: 'FERRITE_DATABASE_CONNECT_TIMEOUT_MS',
    doc: 'PostgreSQL: how long a request waits for a connection (database down, pool busy) before 503',
    default: 5_000,
    parse: integer(100, 600_000),
  },
  databaseListen: {
    env: 'FERRITE_DATABASE_LISTEN',
    doc: "PostgreSQL: LISTEN for other nodes' wake-ups and cache invalidations; false for PgBouncer in transaction pooling (poll mode)",
    default: true,
    parse: boolean,
  },
  databasePollMs: {
    env: 'FERRITE_DATABASE_POLL_MS',
    doc: 'PostgreSQL poll mode (or while the listening connection is down): a parked long poll looks again this often',
    default: 250,
    parse: integer(10, 10_000),
  },
  nodeId: {
    env: 'FERRITE_NODE_ID',
    doc: "This node's name, unique among nodes sharing a database (X-Ferrite-Node, metrics, dashboard); default: the host name",
    default: undefined,
    parse: (raw: string, env: string) => {
      if (raw !== '' && !/^[A-Za-z0-9._:-]{1,64}$/.test(raw)) {
        throw new ConfigError(`${env} must be 1-64 letters, digits, '.', '_', ':' or '-'`);
      }
      return optional(raw);
    },
  },
  sqsIronmqAuth: {
    env: 'FERRITE_SQS_IRONMQ_AUTH',
    doc: "SQS API: accept IronMQ's unsigned scheme (access key id `<project_id>:<token>`, any secret); false: only SigV4 keys from `ferrite sqs-key create`",
    default: true,
    parse: boolean,
  },
  sqsRegion: {
    env: 'FERRITE_SQS_REGION',
    doc: 'SQS API: the region in queue ARNs (`arn:aws:sqs:<region>:<project_id>:<queue>`); signatures for any region are accepted',
    default: 'us-east-1',
    parse: (raw: string, env: string) => {
      if (!/^[a-z0-9-]{1,64}$/.test(raw))
        throw new ConfigError(`${env} must be a region name like us-east-1, got "${raw}"`);
      return raw;
    },
  },
} satisfies { [K in keyof Settings]: Setting<Settings[K]> };

/** The settings read from the environment one by one; the rest of Config is derived from them. */
type Settings = Omit<Config, 'store'>;

/** Reads and validates every setting from `env`; throws ConfigError naming the first bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const config: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [keyof Settings, Setting<unknown>][]) {
    const raw = env[setting.env];
    config[key] = raw === undefined ? setting.default : setting.parse(raw, setting.env);
  }
  const typed = config as unknown as Config;
  const nodeId = typed.nodeId ?? hostname();
  typed.store =
    typed.databaseUrl === undefined
      ? { kind: 'sqlite', file: typed.dbFile, durability: typed.durability, nodeId }
      : {
          kind: 'postgres',
          url: typed.databaseUrl,
          poolSize: typed.databasePoolSize,
          statementTimeoutMs: typed.databaseStatementTimeoutMs,
          connectTimeoutMs: typed.databaseConnectTimeoutMs,
          listen: typed.databaseListen,
          pollMs: typed.databasePollMs,
          nodeId,
        };
  // Node refuses a header timeout longer than the whole-request timeout.
  if (typed.headersTimeoutMs > typed.requestTimeoutMs) {
    throw new ConfigError(
      `${SETTINGS.headersTimeoutMs.env} (${typed.headersTimeoutMs}) must not exceed ${SETTINGS.requestTimeoutMs.env} (${typed.requestTimeoutMs})`,
    );
  }
  if (typed.auth === 'open') applyOpenAuth(typed, env);
  return Object.freeze(typed);
}

/**
 * Settings that only make sense when tokens are checked: a server given one of them is meant to be protected, so
 * FERRITE_AUTH=open next to it is a mistake, not a choice.
 */
export const OPEN_AUTH_REFUSED: readonly (keyof Settings)[] = [
  'defaultToken',
  'jwtSecret',
  'crimsonqUser',
  'crimsonqPassword',
  'crimsonqRespPassword',
];

/** Open auth binds to loopback unless an address is given, and refuses the settings of a protected server. */
function applyOpenAuth(config: Config, env: NodeJS.ProcessEnv): void {
  const refused = OPEN_AUTH_REFUSED.map((key) => SETTINGS[key].env).filter(
    (name) => env[name] !== undefined && env[name] !== '',
  );
  if (refused.length > 0) {
    throw new ConfigError(
      `${SETTINGS.auth.env}=open accepts any token, so it refuses ${refused.join(', ')}, which only make sense ` +
        `when tokens are checked: unset ${refused.length === 1 ? 'it' : 'them'}, or use ${SETTINGS.auth.env}=token`,
    );
  }
  if (env[SETTINGS.host.env] === undefined) config.host = '127.0.0.1';
}
