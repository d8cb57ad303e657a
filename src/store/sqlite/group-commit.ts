import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import type { CommitCounters, FiredAlert } from '../store';

export type { CommitCounters };
import type { SqliteContext } from './context';

/** Thrown inside a write to undo it and answer the caller with `outcome` instead of an error. */
export class Rollback<T> extends Error {
  constructor(readonly outcome: T) {
    super('rolled back');
  }
}

/** One write's answer: its value, or the error it threw (the group's own failure when the COMMIT failed). */
export type WriteOutcome = { ok: true; value: unknown } | { ok: false; error: Error };

export function emptyCounters(): CommitCounters {
  return { groups: 0, writes: 0, flushMs: 0, maxFlushMs: 0, commitMs: 0, maxCommitMs: 0 };
}

/**
 * Group commit: a batch of writes runs inside one SQLite transaction and shares one fsync. Each write runs in
 * its own savepoint, so a write that throws is undone alone and its caller alone gets the error; a write that
 * throws `Rollback` is undone and answered with its outcome. Answers exist only after COMMIT returned, i.e.
 * after the data is durable; when the COMMIT itself fails, every write of the group gets that error and nothing
 * of the group is applied. Alerts fired by the writes are returned only when the group committed.
 *
 * Which writes form a group is the caller's business: the writer thread takes everything that arrived while it
 * was busy with the previous group (docs/design.md, "Durability and group commit").
 */
export class GroupCommit {
  readonly counters = emptyCounters();
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;

  constructor(
    private readonly ctx: SqliteContext,
    /** Turns a driver error into the error callers see. */
    private readonly mapError: (error: unknown) => Error,
  ) {
    const db = ctx.db;
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT w');
    this.release = db.prepare('RELEASE w');
    this.rollbackTo = db.prepare('ROLLBACK TO w');
  }

  /** Runs `writes` in one transaction; returns each one's outcome (in order) and the alerts that fired. */
  run(writes: readonly (() => unknown)[]): { outcomes: WriteOutcome[]; alerts: FiredAlert[] } {
    const started = performance.now();
    this.ctx.firedAlerts = [];
    try {
      return this.runGroup(writes);
    } finally {
      this.ctx.firedAlerts = [];
      const ms = performance.now() - started;
      this.counters.groups++;
      this.counters.writes += writes.length;
      this.counters.flushMs += ms;
      this.counters.maxFlushMs = Math.max(this.counters.maxFlushMs, ms);
    }
  }

  private runGroup(writes: readonly (() => unknown)[]): { outcomes: WriteOutcome[]; alerts: FiredAlert[] } {
    const failAll = (error: unknown) => {
      const mapped = this.mapError(error);
      return { outcomes: writes.map((): WriteOutcome => ({ ok: false, error: mapped })), alerts: [] };
    };
    try {
      this.begin.run();
    } catch (error) {
      return failAll(error);
    }
    // A lone write needs no savepoint: if it throws, the whole transaction is rolled back instead.
    const single = writes.length === 1;
    const outcomes: WriteOutcome[] = [];
    let threw = false;
    for (const write of writes) {
      if (!single) this.savepoint.run();
      // A write undone by its savepoint must not announce the alerts it fired.
      const mark = this.ctx.firedAlerts.length;
      try {
        const value = write();
        if (!single) this.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        threw = true;
        this.ctx.firedAlerts.length = mark;
        if (!single) {
          this.rollbackTo.run();
          this.release.run();
        }
        outcomes.push(
          error instanceof Rollback
            ? { ok: true, value: error.outcome as unknown }
            : { ok: false, error: error instanceof Error ? error : new Error(String(error)) },
        );
      }
    }
    try {
      if (single && threw) {
        this.rollback.run();
        return { outcomes, alerts: [] };
      }
      const committing = performance.now();
      this.commit.run();
      const ms = performance.now() - committing;
      this.counters.commitMs += ms;
      this.counters.maxCommitMs = Math.max(this.counters.maxCommitMs, ms);
      return { outcomes, alerts: this.ctx.firedAlerts };
    } catch (error) {
      if (this.ctx.db.inTransaction) this.rollback.run();
      return failAll(error);
    }
  }
}
