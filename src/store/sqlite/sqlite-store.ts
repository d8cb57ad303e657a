import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { StoreUnavailable } from '../../engine/errors';
import type { Message, NewMessage, Project, Queue, QueueSettings, TokenInfo } from '../../engine/types';
import type {
  ExpiredCounts,
  MessageOpFailure,
  MessageRef,
  NewToken,
  QueueMissing,
  ReleaseRequest,
  ReserveRequest,
  ReserveResult,
  Store,
  TouchRequest,
} from '../store';
import { GroupCommitter, Rollback } from './group-commit';
import { migrate } from './migrate';
import { type MessageRow, type QueueRow, STATE, effectiveState, isLive, toMessage, toQueue } from './rows';

export type Durability = 'full' | 'normal' | 'off';

export interface SqliteStoreOptions {
  /** Path of the database file; its folder is created if missing. ':memory:' for throw-away stores. */
  file: string;
  /** SQLite `synchronous`: full syncs the WAL on every commit (nothing acknowledged is lost on power failure). */
  durability: Durability;
  /** Used to stamp applied migrations. */
  now: number;
}

const QUEUE_MISSING: QueueMissing = { kind: 'queue_not_found' };

/** The largest code point: `prefix + MAX_CHAR` is an exclusive upper bound for names starting with `prefix`. */
const MAX_CHAR = '\u{10FFFF}';

/** SQLite result codes that mean "cannot write now" rather than "bug": answered 503 and retried by clients. */
const UNAVAILABLE_CODES = new Set([
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_IOERR',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

function mapStoreError(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && [...UNAVAILABLE_CODES].some((prefix) => code.startsWith(prefix))) {
    return new StoreUnavailable(`The data file cannot be written (${code})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Opens (creating and migrating) a SQLite store. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (options.file !== ':memory:') mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
  const db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.durability.toUpperCase()}`);
  db.pragma('foreign_keys = ON');
  // A CLI command writing to the same file holds the lock for a few ms at most.
  db.pragma('busy_timeout = 5000');
  const applied = migrate(db, options.now);
  return new SqliteStore(db, applied);
}

export class SqliteStore implements Store {
  private readonly writes: GroupCommitter;
  private readonly sql;
  private closed = false;

  /**
   * @param migrationsApplied the migrations this open applied (empty when the file was up to date)
   */
  constructor(
    readonly db: Database.Database,
    readonly migrationsApplied: readonly string[] = [],
  ) {
    this.writes = new GroupCommitter(db, mapStoreError);
    this.sql = prepareStatements(db);
  }

  // ---- projects and tokens ----

  createProject(project: Project): Promise<void> {
    return this.write(() => {
      this.sql.insertProject.run(project.id, project.name, project.createdAt);
    });
  }

  getProject(id: string): Promise<Project | null> {
    return this.read(() => {
      const row = this.sql.getProject.get(id) as ProjectRow | undefined;
      return row ? toProject(row) : null;
    });
  }

  listProjects(): Promise<Project[]> {
    return this.read(() => (this.sql.listProjects.all() as ProjectRow[]).map(toProject));
  }

  addToken(token: NewToken): Promise<void> {
    return this.write(() => {
      this.sql.insertToken.run(token.id, token.projectId, token.tokenHash, token.name, token.createdAt);
    });
  }

  listTokens(projectId?: string): Promise<TokenInfo[]> {
    return this.read(() => {
      const rows = (
        projectId === undefined ? this.sql.listAllTokens.all() : this.sql.listProjectTokens.all(projectId)
      ) as TokenRow[];
      return rows.map((row) => ({
        id: row.id,
        projectId: row.project_id,
        name: row.name,
        createdAt: row.created_at,
        revokedAt: row.revoked_at,
      }));
    });
  }

  revokeToken(tokenId: string, now: number): Promise<boolean> {
    return this.write(() => this.sql.revokeToken.run(now, tokenId).changes > 0);
  }

  projectOfTokenHash(tokenHash: string): Promise<string | null> {
    return this.read(() => (this.sql.projectOfToken.get(tokenHash) as string | undefined) ?? null);
  }

  // ---- queues ----

  getQueue(projectId: string, name: string): Promise<Queue | null> {
    return this.read(() => {
      const row = this.queueRow(projectId, name);
      return row ? toQueue(row) : null;
    });
  }

  putQueue(
    projectId: string,
    name: string,
    settings: QueueSettings,
    now: number,
    mode: 'create' | 'update' | 'upsert',
  ): Promise<{ queue: Queue; created: boolean } | null> {
    return this.write(() => {
      const existing = this.queueRow(projectId, name);
      if (existing && mode === 'create') return null;
      if (!existing && mode === 'update') return null;
      const dl = settings.deadLetter;
      if (existing) {
        this.sql.updateQueue.run(
          settings.type,
          settings.messageTimeout,
          settings.messageExpiration,
          dl?.queueName ?? null,
          dl?.maxReservations ?? null,
          now,
          existing.id,
        );
      } else {
        this.insertQueue(projectId, name, settings, now);
      }
      return { queue: toQueue(this.queueRow(projectId, name)!), created: !existing };
    });
  }

  deleteQueue(projectId: string, name: string): Promise<boolean> {
    return this.write(() => this.sql.deleteQueue.run(projectId, name).changes > 0);
  }

  listQueues(projectId: string, options: { prefix: string; after: string; limit: number }): Promise<Queue[]> {
    return this.read(() => {
      const low = options.after >= options.prefix ? options.after : options.prefix;
      const lowInclusive = options.after < options.prefix;
      const high = options.prefix === '' ? null : options.prefix + MAX_CHAR;
      const rows = this.sql.listQueues.all({
        projectId,
        low,
        lowInclusive: lowInclusive ? 1 : 0,
        high,
        limit: options.limit,
      }) as QueueRow[];
      return rows.map(toQueue);
    });
  }

  // ---- messages ----

  postMessages(
    projectId: string,
    name: string,
    messages: NewMessage[],
    defaults: QueueSettings,
    now: number,
  ): Promise<string[]> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name) ?? this.insertQueue(projectId, name, defaults, now);
      const expiresAt = now + queue.message_expiration * 1000;
      const ids = messages.map((message) => {
        const delayed = message.delay > 0;
        const result = this.sql.insertMessage.run(
          queue.id,
          delayed ? STATE.scheduled : STATE.available,
          now + message.delay * 1000,
          message.body,
          message.delay,
          message.pushHeaders === null ? null : JSON.stringify(message.pushHeaders),
          now,
          now,
          expiresAt,
        );
        return String(result.lastInsertRowid);
      });
      this.sql.addToQueue.run(messages.length, messages.length, now, queue.id);
      return ids;
    });
  }

  reserveMessages(request: ReserveRequest): Promise<ReserveResult | null> {
    return this.write(() => {
      const queue = this.queueRow(request.projectId, request.name);
      if (!queue) return null;
      const { now } = request;
      this.promoteDue(queue.id, now);
      const reserved: Message[] = [];
      const timeout = request.timeoutSeconds ?? queue.message_timeout;
      const reservedUntil = now + timeout * 1000;
      let deadLetter: QueueRow | undefined;
      let deadLettered = 0;
      // Loop only when messages were moved to the dead-letter queue instead of being returned.
      while (reserved.length < request.n) {
        const rows = this.sql.headOfQueue.all(queue.id, now, request.n - reserved.length) as MessageRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          if (queue.dead_letter_queue !== null && row.reserved_count >= (queue.dead_letter_max ?? 10)) {
            deadLetter ??=
              this.queueRow(request.projectId, queue.dead_letter_queue) ??
              this.insertQueue(request.projectId, queue.dead_letter_queue, request.defaults, now);
            this.sql.moveMessage.run(deadLetter.id, now, row.id);
            this.sql.addToQueue.run(-1, 0, now, queue.id);
            this.sql.addToQueue.run(1, 1, now, deadLetter.id);
            deadLettered++;
            continue;
          }
          const reservationId = request.reservationIds[reserved.length] ?? '';
          const updated: MessageRow = {
            ...row,
            state: STATE.reserved,
            reservation_id: reservationId,
            visible_at: reservedUntil,
            reservation_timeout: timeout,
            reserved_count: row.reserved_count + 1,
            updated_at: now,
          };
          if (request.deleteOnReserve) this.sql.deleteMessage.run(row.id);
          else this.sql.reserveMessage.run(reservationId, reservedUntil, timeout, now, row.id);
          reserved.push(toMessage(updated, queue.name, now));
        }
      }
      if (request.deleteOnReserve && reserved.length > 0) {
        this.sql.addToQueue.run(-reserved.length, 0, now, queue.id);
      }
      return { messages: reserved, deadLettered };
    });
  }

  peekMessages(projectId: string, name: string, n: number, now: number): Promise<Message[] | null> {
    return this.read(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return null;
      // What a reserve would return: the available head merged with messages whose timer has fired.
      const head = this.sql.headOfQueue.all(queue.id, now, n) as MessageRow[];
      const due = this.sql.dueMessages.all(queue.id, now, now, n) as MessageRow[];
      return [...head, ...due]
        .sort((a, b) => a.id - b.id)
        .slice(0, n)
        .map((row) => toMessage(row, name, now));
    });
  }

  getMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<Message | QueueMissing | null> {
    return this.read(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return QUEUE_MISSING;
      const row = this.messageRow(queue.id, id, now);
      return row && isLive(row.state) ? toMessage(row, name, now) : null;
    });
  }

  deleteMessages(
    projectId: string,
    name: string,
    items: readonly MessageRef[],
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return QUEUE_MISSING;
      let removed = 0;
      for (const item of items) {
        const row = this.messageRow(queue.id, item.id, now);
        if (!row || !isLive(row.state)) throw new Rollback({ kind: 'message_not_found', id: item.id });
        const failure = checkHolder(row, item.reservationId, now);
        if (failure) throw new Rollback(failure);
        removed += this.sql.deleteMessage.run(row.id).changes;
      }
      this.sql.addToQueue.run(-removed, 0, now, queue.id);
      return null;
    });
  }

  clearMessages(projectId: string, name: string): Promise<boolean> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return false;
      this.sql.clearQueue.run(queue.id);
      this.sql.resetSize.run(queue.id);
      return true;
    });
  }

  touchMessage(request: TouchRequest): Promise<Message | MessageOpFailure> {
    return this.write(() => {
      const found = this.heldMessage(
        request.projectId,
        request.name,
        request.id,
        request.reservationId,
        request.now,
      );
      if ('kind' in found) return found;
      const { queue, row } = found;
      const timeout = request.timeoutSeconds ?? queue.message_timeout;
      const reservedUntil = request.now + timeout * 1000;
      this.sql.touchMessage.run(request.newReservationId, reservedUntil, timeout, request.now, row.id);
      return toMessage(
        {
          ...row,
          reservation_id: request.newReservationId,
          visible_at: reservedUntil,
          reservation_timeout: timeout,
          updated_at: request.now,
        },
        queue.name,
        request.now,
      );
    });
  }

  releaseMessage(request: ReleaseRequest): Promise<MessageOpFailure | null> {
    return this.write(() => {
      const found = this.heldMessage(
        request.projectId,
        request.name,
        request.id,
        request.reservationId,
        request.now,
      );
      if ('kind' in found) return found;
      const delayed = request.delaySeconds > 0;
      this.sql.releaseMessage.run(
        delayed ? STATE.scheduled : STATE.available,
        request.now + request.delaySeconds * 1000,
        request.now,
        found.row.id,
      );
      return null;
    });
  }

  nextTimerAt(projectId: string, name: string): Promise<number | null> {
    return this.read(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return null;
      return (this.sql.nextTimer.get(queue.id) as number | null | undefined) ?? null;
    });
  }

  expireMessages(now: number, limit: number): Promise<ExpiredCounts> {
    return this.write(() => {
      const rows = this.sql.expired.all(now, limit) as { id: number; queue_id: number; state: number }[];
      const perQueue = new Map<number, { live: number; all: number }>();
      for (const row of rows) {
        this.sql.deleteMessage.run(row.id);
        const counts = perQueue.get(row.queue_id) ?? { live: 0, all: 0 };
        counts.all++;
        if (isLive(row.state)) counts.live++;
        perQueue.set(row.queue_id, counts);
      }
      const byQueue: ExpiredCounts['byQueue'] = [];
      for (const [queueId, counts] of perQueue) {
        this.sql.addToQueue.run(-counts.live, 0, now, queueId);
        const queue = this.sql.getQueueById.get(queueId) as QueueRow;
        byQueue.push({ projectId: queue.project_id, name: queue.name, count: counts.all });
      }
      return { total: rows.length, byQueue };
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.writes.flush();
    this.closed = true;
    // Fold the WAL back into the main file so the data file alone is complete after shutdown.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    return Promise.resolve();
  }

  // ---- helpers (run inside a read or a write) ----

  private write<T>(operation: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailable('The store is closed'));
    return this.writes.submit(operation);
  }

  private read<T>(operation: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailable('The store is closed'));
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(mapStoreError(error));
    }
  }

  private queueRow(projectId: string, name: string): QueueRow | undefined {
    return this.sql.getQueue.get(projectId, name) as QueueRow | undefined;
  }

  private insertQueue(projectId: string, name: string, settings: QueueSettings, now: number): QueueRow {
    const dl = settings.deadLetter;
    this.sql.insertQueue.run(
      projectId,
      name,
      settings.type,
      settings.messageTimeout,
      settings.messageExpiration,
      dl?.queueName ?? null,
      dl?.maxReservations ?? null,
      now,
      now,
    );
    return this.queueRow(projectId, name)!;
  }

  /** A live message of this queue that has not expired, or undefined. Ids that are not integers match nothing. */
  private messageRow(queueId: number, id: string, now: number): MessageRow | undefined {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    return this.sql.getMessage.get(Number(id), queueId, now) as MessageRow | undefined;
  }

  /** Moves every message of the queue whose timer fired back to available (the lazy half of timeouts/delays). */
  private promoteDue(queueId: number, now: number): void {
    this.sql.promoteDue.run(now, queueId, now);
  }

  private heldMessage(
    projectId: string,
    name: string,
    id: string,
    reservationId: string,
    now: number,
  ): { queue: QueueRow; row: MessageRow } | MessageOpFailure {
    const queue = this.queueRow(projectId, name);
    if (!queue) return QUEUE_MISSING;
    const row = this.messageRow(queue.id, id, now);
    if (!row || !isLive(row.state)) return { kind: 'message_not_found', id };
    if (effectiveState(row, now) !== STATE.reserved || row.reservation_id !== reservationId) {
      return { kind: 'reservation_mismatch', id };
    }
    return { queue, row };
  }
}

/** Whether a delete may remove this message: a held message needs its current reservation id. */
function checkHolder(row: MessageRow, reservationId: string | null, now: number): MessageOpFailure | null {
  const held = effectiveState(row, now) === STATE.reserved;
  if (reservationId === null) return held ? { kind: 'message_reserved', id: String(row.id) } : null;
  if (!held || row.reservation_id !== reservationId)
    return { kind: 'reservation_mismatch', id: String(row.id) };
  return null;
}

interface ProjectRow {
  id: string;
  name: string;
  created_at: number;
}

interface TokenRow {
  id: string;
  project_id: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

function toProject(row: ProjectRow): Project {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/** Every statement, prepared once. Each header names its parameters in order. */
function prepareStatements(db: Database.Database) {
  return {
    // Params: id, name, created_at
    insertProject: db.prepare('INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)'),
    // Params: id
    getProject: db.prepare('SELECT * FROM projects WHERE id = ?'),
    listProjects: db.prepare('SELECT * FROM projects ORDER BY created_at, id'),
    // Params: id, project_id, token_hash, name, created_at
    insertToken: db.prepare(
      'INSERT INTO tokens (id, project_id, token_hash, name, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    listAllTokens: db.prepare('SELECT * FROM tokens ORDER BY created_at, id'),
    // Params: project_id
    listProjectTokens: db.prepare('SELECT * FROM tokens WHERE project_id = ? ORDER BY created_at, id'),
    // Params: now, id
    revokeToken: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    // Params: token_hash
    projectOfToken: db
      .prepare('SELECT project_id FROM tokens WHERE token_hash = ? AND revoked_at IS NULL')
      .pluck(),

    // Params: project_id, name
    getQueue: db.prepare('SELECT * FROM queues WHERE project_id = ? AND name = ?'),
    // Params: id
    getQueueById: db.prepare('SELECT * FROM queues WHERE id = ?'),
    // Params: project_id, name, type, message_timeout, message_expiration, dl_queue, dl_max, created_at, updated_at
    insertQueue: db.prepare(
      `INSERT INTO queues (project_id, name, type, message_timeout, message_expiration, dead_letter_queue,
         dead_letter_max, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Params: type, message_timeout, message_expiration, dl_queue, dl_max, updated_at, id
    updateQueue: db.prepare(
      `UPDATE queues SET type = ?, message_timeout = ?, message_expiration = ?, dead_letter_queue = ?,
         dead_letter_max = ?, updated_at = ? WHERE id = ?`,
    ),
    // Params: project_id, name
    deleteQueue: db.prepare('DELETE FROM queues WHERE project_id = ? AND name = ?'),
    // Params: projectId, low, lowInclusive (0|1), high (NULL: no upper bound), limit
    listQueues: db.prepare(
      `SELECT * FROM queues WHERE project_id = @projectId
         AND (name > @low OR (@lowInclusive = 1 AND name = @low)) AND (@high IS NULL OR name < @high)
       ORDER BY name LIMIT @limit`,
    ),
    // Params: size delta, total_messages delta, updated_at, id
    addToQueue: db.prepare(
      'UPDATE queues SET size = size + ?, total_messages = total_messages + ?, updated_at = ? WHERE id = ?',
    ),
    // Params: id
    resetSize: db.prepare('UPDATE queues SET size = 0 WHERE id = ?'),

    // Params: queue_id, state, visible_at, body, delay, push_headers, created_at, updated_at, expires_at
    insertMessage: db.prepare(
      `INSERT INTO messages (queue_id, state, visible_at, body, delay, push_headers, created_at, updated_at,
         expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Params: id, queue_id, now (unexpired only)
    getMessage: db.prepare('SELECT * FROM messages WHERE id = ? AND queue_id = ? AND expires_at > ?'),
    // Params: queue_id, now, limit. Served by the partial index messages_available.
    headOfQueue: db.prepare(
      'SELECT * FROM messages WHERE queue_id = ? AND state = 0 AND expires_at > ? ORDER BY id LIMIT ?',
    ),
    // Params: queue_id, now, now, limit. Scheduled or reserved messages whose timer has fired (messages_timers).
    dueMessages: db.prepare(
      `SELECT * FROM messages WHERE queue_id = ? AND state IN (1, 2, 3) AND visible_at <= ? AND state <> 3
         AND expires_at > ? ORDER BY id LIMIT ?`,
    ),
    // Params: updated_at, queue_id, now
    promoteDue: db.prepare(
      `UPDATE messages SET state = 0, reservation_id = NULL, updated_at = ?
         WHERE queue_id = ? AND state IN (1, 2, 3) AND visible_at <= ? AND state <> 3`,
    ),
    // Params: reservation_id, visible_at (reserved until), reservation_timeout, updated_at, id
    reserveMessage: db.prepare(
      `UPDATE messages SET state = 2, reservation_id = ?, visible_at = ?, reservation_timeout = ?,
         reserved_count = reserved_count + 1, updated_at = ? WHERE id = ?`,
    ),
    // Params: reservation_id, visible_at (reserved until), reservation_timeout, updated_at, id
    touchMessage: db.prepare(
      'UPDATE messages SET reservation_id = ?, visible_at = ?, reservation_timeout = ?, updated_at = ? WHERE id = ?',
    ),
    // Params: state (0|1), visible_at, updated_at, id
    releaseMessage: db.prepare(
      'UPDATE messages SET state = ?, visible_at = ?, reservation_id = NULL, updated_at = ? WHERE id = ?',
    ),
    // Params: queue_id, updated_at, id. Moves a message to another queue (dead letter), keeping id and counts.
    moveMessage: db.prepare(
      'UPDATE messages SET queue_id = ?, state = 0, reservation_id = NULL, updated_at = ? WHERE id = ?',
    ),
    // Params: id
    deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
    // Params: queue_id
    clearQueue: db.prepare('DELETE FROM messages WHERE queue_id = ?'),
    // Params: queue_id
    nextTimer: db
      .prepare(
        'SELECT min(visible_at) FROM messages WHERE queue_id = ? AND state IN (1, 2, 3) AND state <> 3',
      )
      .pluck(),
    // Params: now, limit
    expired: db.prepare(
      'SELECT id, queue_id, state FROM messages WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
    ),
  };
}
