import type { Pool, PoolClient, QueryResult } from 'pg';
import { CONFLICT_RETRIES, isRetryable, isUnavailable, mapStoreError } from './errors';
import { NOT_FAST, type FastOperation } from './fast-paths';
import type { NotificationChannel } from './notifications';

interface Pending {
  op: FastOperation<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most operations in one batch: bounds how long one transaction holds its row locks. */
const MAX_BATCH = 64;
/**
 * Batches in flight at once. While one is committing, new requests gather for the next (group commit); a
 * second lets a batch execute while the previous one waits for its WAL flush.
 */
const MAX_IN_FLIGHT = 2;
/**
 * A wake-up with no write to ride along waits this long for one before it is sent on its own: under load every
 * NOTIFY joins a batch's commit instead of costing a commit (and a WAL flush) of its own.
 */
const LONE_WAKE_DELAY_MS = 2;

/** What a batch measured, for the bench and the metrics. */
export interface BatchStats {
  batches: number;
  operations: number;
  /** Batches that failed as a whole and whose operations were run again one by one. */
  split: number;
}

/**
 * Group commit on PostgreSQL: the fast-path operations (single statements, fast-paths.ts) submitted during one
 * turn of the event loop run in one transaction, sent in one round trip with pipelining — BEGIN, every
 * statement, the NOTIFY of the queues woken meanwhile, COMMIT — and share one WAL flush. Callers are answered
 * only after COMMIT returned. When any statement fails, the transaction is rolled back as a whole and each
 * operation is run again alone, so a failed request's part changes nothing and the others still commit.
 * Operations are ordered by queue, so batches on different nodes lock queue rows in the same order.
 */
export class Batcher {
  private pending: Pending[] = [];
  private readonly wakes = new Map<string, number>();
  private scheduled = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private idle: (() => void) | null = null;
  readonly stats: BatchStats = { batches: 0, operations: 0, split: 0 };

  constructor(
    private readonly pool: Pool,
    private readonly channel: NotificationChannel,
  ) {}

  submit<T>(op: FastOperation<T>): Promise<T | typeof NOT_FAST> {
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** A queue woken on this node: every other node hears of it with the next commit. */
  wake(key: string, count: number): void {
    this.wakes.set(key, (this.wakes.get(key) ?? 0) + count);
    if (this.scheduled || this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.schedule();
    }, LONE_WAKE_DELAY_MS);
  }

  /** Waits for the batches in flight and sends what is pending. */
  async close(): Promise<void> {
    while (this.pending.length > 0 || this.wakes.size > 0 || this.inFlight > 0) {
      if (this.inFlight === 0) {
        void this.flush();
        if (this.inFlight === 0) break;
      }
      await new Promise<void>((resolve) => (this.idle = resolve));
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT) return;
    if (this.wakeTimer) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = null;
    }
    const batch = this.pending.splice(0, MAX_BATCH);
    const wakes = new Map(this.wakes);
    this.wakes.clear();
    if (batch.length === 0 && wakes.size === 0) return;
    this.inFlight++;
    try {
      await this.run(batch, wakes);
    } finally {
      this.inFlight--;
      if (this.pending.length > 0 || this.wakes.size > 0) this.schedule();
      else if (this.inFlight === 0) {
        const idle = this.idle;
        this.idle = null;
        idle?.();
      }
    }
  }

  private async run(batch: Pending[], wakes: Map<string, number>): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      const mapped = mapStoreError(error);
      for (const each of batch) each.reject(mapped);
      return;
    }
    let broken: Error | undefined;
    try {
      batch.sort((a, b) => (a.op.lockKey < b.op.lockKey ? -1 : a.op.lockKey > b.op.lockKey ? 1 : 0));
      const notify = this.channel.wakeStatements(wakes);
      this.stats.batches++;
      this.stats.operations += batch.length;
      const outcome = await this.send(client, batch, notify);
      if (outcome.ok) {
        batch.forEach((each, i) => settle(each, outcome.results[i]!));
        return;
      }
      if (isUnavailable(outcome.error)) {
        broken = outcome.error as Error;
        const mapped = mapStoreError(outcome.error);
        for (const each of batch) each.reject(mapped);
        return;
      }
      // One statement failed, or the batch was a deadlock's victim (two batches in flight can lock one queue's
      // message and queue rows in opposite orders): nothing of it was committed. Each operation runs again on
      // its own, a conflict's victim up to CONFLICT_RETRIES more times.
      this.stats.split++;
      for (const [key, count] of wakes) this.wake(key, count);
      for (const each of batch) {
        let alone = await this.send(client, [each], []);
        for (let retry = 0; !alone.ok && isRetryable(alone.error) && retry < CONFLICT_RETRIES; retry++) {
          alone = await this.send(client, [each], []);
        }
        if (alone.ok) settle(each, alone.results[0]!);
        else {
          if (isUnavailable(alone.error)) broken = alone.error as Error;
          each.reject(mapStoreError(alone.error));
          if (broken) break;
        }
      }
      if (broken) {
        const mapped = mapStoreError(broken);
        for (const each of batch) each.reject(mapped);
      }
    } finally {
      client.release(broken);
    }
  }

  /**
   * Sends a batch in one round trip: BEGIN, the statements, COMMIT (a lone single statement runs as its own
   * transaction). Resolves with each operation's results, or the first error.
   */
  private async send(
    client: PoolClient,
    batch: readonly Pending[],
    notify: readonly { text: string; values: unknown[] }[],
  ): Promise<{ ok: true; results: QueryResult[][] } | { ok: false; error: unknown }> {
    const statements = batch.reduce((sum, each) => sum + each.op.statements.length, 0) + notify.length;
    const wrapped = statements > 1;
    const sent: Promise<QueryResult>[] = [];
    if (wrapped) sent.push(client.query('BEGIN'));
    for (const each of batch) for (const statement of each.op.statements) sent.push(client.query(statement));
    for (const statement of notify) sent.push(client.query(statement));
    if (wrapped) sent.push(client.query('COMMIT'));
    const settled = await Promise.allSettled(sent);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      // The first error is the cause; those after it only say the transaction was aborted.
      return { ok: false, error: failed.reason };
    }
    const values = settled.map((s) => (s as PromiseFulfilledResult<QueryResult>).value);
    if (wrapped && values[values.length - 1]!.command !== 'COMMIT') {
      return { ok: false, error: new Error('the batch transaction was rolled back') };
    }
    const results: QueryResult[][] = [];
    let at = wrapped ? 1 : 0;
    for (const each of batch) {
      results.push(values.slice(at, at + each.op.statements.length));
      at += each.op.statements.length;
    }
    return { ok: true, results };
  }
}

function settle(pending: Pending, results: QueryResult[]): void {
  try {
    pending.resolve(pending.op.read(results));
  } catch (error) {
    pending.reject(error);
  }
}
