import { randomBytes } from 'node:crypto';
import pg, { type ClientConfig } from 'pg';

/** The one channel every node listens on and notifies. */
export const CHANNEL = 'ferrite';
/** PostgreSQL refuses payloads of 8,000 bytes or more; longer notices are split. */
const MAX_PAYLOAD = 7_000;
/** Reconnection delays of the listening connection: from quick to at most every 2 s. */
const RECONNECT_MS = [100, 250, 500, 1_000, 2_000];

/** What a node hears from the others. */
export type Notice =
  /** Queues woken on another node (a post, a release …): wake this node's long polls on them. */
  | { kind: 'wake'; keys: Map<string, number> }
  /** Caches to drop: `tokens`, `topics:<project>`, `queue:<project>/<name>`. */
  | { kind: 'invalidate'; keys: Set<string> }
  /** The listening connection was lost and is back: anything may have been missed meanwhile. */
  | { kind: 'reconnected' }
  | { kind: 'lost'; error: string };

interface Payload {
  /** The sending node's random tag: a node ignores its own notices. */
  n: string;
  w?: [string, number][];
  i?: string[];
}

/**
 * Notifications between nodes over LISTEN/NOTIFY. Notices are sent inside the transaction that caused them
 * (PostgreSQL delivers them only if it commits, in commit order), one NOTIFY per commit whatever it woke or
 * invalidated — NOTIFY takes a database-wide lock at commit, so it is never sent per request. One dedicated
 * connection per node listens, and reconnects by itself; listeners hear `reconnected` so that what was missed
 * meanwhile is made up for (every long poll re-checks, caches are dropped).
 *
 * With `listen: false` (PgBouncer in transaction pooling, where LISTEN does not work), nothing is listened to:
 * long polls re-check on a timer and caches live out their bound (README, "Several nodes").
 */
export class NotificationChannel {
  readonly tag = randomBytes(6).toString('hex');
  private client: pg.Client | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private listening = false;

  constructor(
    private readonly config: ClientConfig | null,
    private readonly deliver: (notice: Notice) => void,
  ) {}

  /** Whether the listening connection is up now (false in poll mode). */
  get connected(): boolean {
    return this.listening;
  }

  /** Starts listening; resolves once the first LISTEN succeeded (or failed: it then retries by itself). */
  async start(): Promise<void> {
    if (this.config) await this.connect();
  }

  /** The NOTIFY statement of a commit's cache invalidations, or null when there are none. */
  statementFor(invalidations: ReadonlySet<string>): { text: string; values: unknown[] } | null {
    if (invalidations.size === 0) return null;
    return this.statements({ n: this.tag, i: [...invalidations] })[0] ?? null;
  }

  /** NOTIFY statements for queues woken on this node (usually one). */
  wakeStatements(wakes: ReadonlyMap<string, number>): { text: string; values: unknown[] }[] {
    if (wakes.size === 0) return [];
    return this.statements({ n: this.tag, w: [...wakes] });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  private statements(payload: Payload): { text: string; values: unknown[] }[] {
    // Params: channel, payload. pg_notify rather than NOTIFY: the payload is a parameter.
    const text = 'SELECT pg_notify($1, $2)';
    const whole = JSON.stringify(payload);
    if (Buffer.byteLength(whole) <= MAX_PAYLOAD) return [{ text, values: [CHANNEL, whole] }];
    const parts: Payload[] = [];
    let current: Payload = { n: payload.n };
    const size = (p: Payload) => Buffer.byteLength(JSON.stringify(p));
    for (const wake of payload.w ?? []) {
      const next = { ...current, w: [...(current.w ?? []), wake] };
      if (size(next) > MAX_PAYLOAD && current.w) {
        parts.push(current);
        current = { n: payload.n, w: [wake] };
      } else current = next;
    }
    for (const key of payload.i ?? []) {
      const next = { ...current, i: [...(current.i ?? []), key] };
      if (size(next) > MAX_PAYLOAD && (current.i || current.w)) {
        parts.push(current);
        current = { n: payload.n, i: [key] };
      } else current = next;
    }
    parts.push(current);
    return parts.map((part) => ({ text, values: [CHANNEL, JSON.stringify(part)] }));
  }

  private async connect(): Promise<void> {
    if (this.closed || !this.config) return;
    const client = new pg.Client(this.config);
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.received(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    const wasLost = this.attempt > 0;
    this.client = client;
    this.listening = true;
    this.attempt = 0;
    if (wasLost) this.deliver({ kind: 'reconnected' });
  }

  private lost(client: pg.Client, error: Error): void {
    client.removeAllListeners('notification');
    if (this.client !== null && this.client !== client) return;
    const wasListening = this.listening;
    this.client = null;
    this.listening = false;
    void client.end().catch(() => undefined);
    if (this.closed || this.timer) return;
    if (wasListening) this.deliver({ kind: 'lost', error: error.message });
    const delay = RECONNECT_MS[Math.min(this.attempt, RECONNECT_MS.length - 1)]!;
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  private received(text: string): void {
    let payload: Payload;
    try {
      payload = JSON.parse(text) as Payload;
    } catch {
      return;
    }
    if (payload.n === this.tag) return;
    if (payload.w && payload.w.length > 0) this.deliver({ kind: 'wake', keys: new Map(payload.w) });
    if (payload.i && payload.i.length > 0) this.deliver({ kind: 'invalidate', keys: new Set(payload.i) });
  }
}
