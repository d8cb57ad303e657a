import type Database from 'better-sqlite3';

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Thrown inside a write to undo it and answer the caller with `outcome` instead of an error. */
export class Rollback<T> extends Error {
  constructor(readonly outcome: T) {
    super('rolled back');
  }
}

/**
 * Group commit: every write submitted during one turn of the event loop runs inside one SQLite transaction and
 * shares one fsync. Each write runs in its own savepoint, so a write that throws is undone alone and its caller
 * alone gets the error. Callers are answered only after COMMIT returned, i.e. after the data is durable.
 * The flush is scheduled with setImmediate, not a timer: a lone request at concurrency 1 waits for nothing.
 */
export class GroupCommitter {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly hooks: {
      /** Turns a driver error into the error callers see. */
      mapError: (error: unknown) => Error;
      /** Runs after a successful COMMIT, before the callers are answered. */
      afterCommit?: () => void;
      /** Runs when the whole group was rolled back. */
      afterRollback?: () => void;
    },
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT w');
    this.release = db.prepare('RELEASE w');
    this.rollbackTo = db.prepare('ROLLBACK TO w');
  }

  /** Runs `write` in the next group transaction; resolves with its result once committed. */
  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything submitted so far, synchronously. */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.begin.run();
    } catch (error) {
      this.hooks.afterRollback?.();
      const mapped = this.hooks.mapError(error);
      for (const write of batch) write.reject(mapped);
      return;
    }
    // A lone write needs no savepoint: if it throws, the whole transaction is rolled back instead.
    const single = batch.length === 1;
    for (const write of batch) {
      if (!single) this.savepoint.run();
      try {
        const value = write.run();
        if (!single) this.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (!single) {
          this.rollbackTo.run();
          this.release.run();
        }
        outcomes.push({ ok: false, value: error });
      }
    }
    try {
      if (single && !outcomes[0]?.ok) {
        this.rollback.run();
        this.hooks.afterRollback?.();
      } else {
        this.commit.run();
        this.hooks.afterCommit?.();
      }
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      this.hooks.afterRollback?.();
      const mapped = this.hooks.mapError(error);
      for (const write of batch) write.reject(mapped);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else if (outcome.value instanceof Rollback) write.resolve(outcome.value.outcome);
      else write.reject(outcome.value);
    });
  }
}
