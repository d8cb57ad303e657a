import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { NodeRole } from '../leadership';

/**
 * How long a maintenance lease lasts without renewal: the bound on how long the jobs pause when the leader
 * dies (kill -9, a lost network) before another node takes them over (at most LEASE_MS + RENEW_MS).
 */
export const LEASE_MS = 3_000;
/** How often every node tries to take or renew the lease. */
export const RENEW_MS = 1_000;
/** A leader stops considering itself one this long before its lease ends, so two leaders never overlap. */
const SAFETY_MS = 500;

/** Where the lease lives: a row of server_settings, so no schema step is needed and PgBouncer is fine. */
const LEASE_KEY = 'maintenance_leader';

// Params: value (JSON {holder, node, until}), holder, now. Takes the lease when it is free, run out, or ours.
const TAKE = `INSERT INTO server_settings (key, value) VALUES ('${LEASE_KEY}', $1)
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
   WHERE (server_settings.value::jsonb ->> 'holder') = $2
      OR (server_settings.value::jsonb ->> 'until')::bigint <= $3
  RETURNING value`;
// Params: none. Who holds the lease.
const READ = `SELECT value FROM server_settings WHERE key = '${LEASE_KEY}'`;
// Params: holder. Hands the lease over on shutdown.
const GIVE_UP = `DELETE FROM server_settings WHERE key = '${LEASE_KEY}' AND (value::jsonb ->> 'holder') = $1`;

/**
 * Leader election by lease (as River elects a leader for its maintenance): every node tries each second to
 * take or renew a row whose lease runs for LEASE_MS; the one that holds it runs the maintenance jobs. A
 * statement per attempt, times from the injected clock (nodes' clocks must agree to well under SAFETY_MS, as
 * NTP keeps them). The lease needs no session, so it works through PgBouncer's transaction pooling.
 */
export class LeaderLease implements NodeRole {
  private readonly holder: string;
  private heldUntil = 0;
  private lastLeader: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    readonly nodeId: string,
    private readonly pool: Pool,
    private readonly now: () => number,
    private readonly onChange: (leader: boolean) => void = () => undefined,
  ) {
    this.holder = `${nodeId}/${randomBytes(6).toString('hex')}`;
  }

  /** Tries at once, then every RENEW_MS. */
  async start(): Promise<void> {
    await this.attempt();
    this.schedule();
  }

  isLeader(): boolean {
    return this.now() < this.heldUntil - SAFETY_MS;
  }

  leader(): string | null {
    return this.isLeader() ? this.nodeId : this.lastLeader;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const was = this.isLeader();
    this.heldUntil = 0;
    if (was) await this.pool.query(GIVE_UP, [this.holder]).catch(() => undefined);
  }

  /** One try: take or renew the lease; a failed statement (database down) just leaves the lease to run out. */
  async attempt(): Promise<boolean> {
    const before = this.isLeader();
    const now = this.now();
    try {
      const value = JSON.stringify({ holder: this.holder, node: this.nodeId, until: now + LEASE_MS });
      const taken = await this.pool.query(TAKE, [value, this.holder, now]);
      if ((taken.rowCount ?? 0) > 0) {
        this.heldUntil = now + LEASE_MS;
        this.lastLeader = this.nodeId;
      } else {
        const current = await this.pool.query<{ value: string }>(READ);
        const seen = current.rows[0] ? (JSON.parse(current.rows[0].value) as { node?: string }) : null;
        this.lastLeader = seen?.node ?? null;
      }
    } catch {
      // Unreachable: stop leading when the lease we know of ends (isLeader compares with heldUntil).
    }
    const after = this.isLeader();
    if (after !== before) this.onChange(after);
    return after;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.attempt().finally(() => this.schedule());
    }, RENEW_MS);
    this.timer.unref();
  }
}
