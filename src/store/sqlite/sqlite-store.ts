import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { StoreUnavailable } from '../../domain/errors';
import { INITIAL_ALERT_STATE, alertMessageBody, evaluateAlert, type AlertState } from '../../domain/alerts';
import { DEFAULT_QUEUE_SETTINGS } from '../../domain/limits';
import { errorQueueBody } from '../../domain/push';
import { TopicIndex } from '../../domain/topics';
import type {
  ConsumerStatus,
  Delivery,
  DeliveryTask,
  Message,
  NewMessage,
  Project,
  PushStatus,
  Queue,
  QueueSettings,
  StateCounts,
  TokenInfo,
} from '../../domain/types';
import type {
  AckRequest,
  ClaimRequest,
  DeliveryOutcome,
  ExpiredCounts,
  FiredAlert,
  MessageOpFailure,
  MessageRef,
  NewToken,
  PostResult,
  QueueMissing,
  RecordedDelivery,
  ReleaseRequest,
  ReserveRequest,
  ReserveResult,
  Store,
  TouchRequest,
} from '../store';
import { GroupCommitter, Rollback } from './group-commit';
import { migrate } from './migrate';
import {
  type DeliveryRow,
  type MessageRow,
  type QueueExtra,
  type QueueRow,
  type TimeoutPolicy,
  OVERDUE_ERROR,
  STATE,
  effectiveState,
  isLive,
  parseExtra,
  toDelivery,
  toMessage,
  toQueue,
} from './rows';
import { prepareStatements, type Statements } from './statements';

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
  private readonly sql: Statements;
  private closed = false;
  /** Alerts fired by writes of the group being committed; announced to listeners once it has committed. */
  private firedAlerts: FiredAlert[] = [];
  private readonly alertListeners: ((alert: FiredAlert) => void)[] = [];
  /** Every queue's topic filters, for publish; rebuilt from queue_topics at open. */
  private readonly topicIndex = new TopicIndex();

  /**
   * @param migrationsApplied the migrations this open applied (empty when the file was up to date)
   */
  constructor(
    readonly db: Database.Database,
    readonly migrationsApplied: readonly string[] = [],
  ) {
    this.writes = new GroupCommitter(db, {
      mapError: mapStoreError,
      afterCommit: () => {
        const fired = this.firedAlerts;
        this.firedAlerts = [];
        for (const alert of fired) for (const listener of this.alertListeners) listener(alert);
      },
      afterRollback: () => {
        this.firedAlerts = [];
      },
    });
    this.sql = prepareStatements(db);
    const filters = new Map<number, { scope: string; filters: string[] }>();
    for (const row of this.sql.allTopics.all() as {
      queue_id: number;
      project_id: string;
      filter: string;
    }[]) {
      const entry = filters.get(row.queue_id) ?? { scope: row.project_id, filters: [] };
      entry.filters.push(row.filter);
      filters.set(row.queue_id, entry);
    }
    for (const [queueId, entry] of filters) this.topicIndex.set(entry.scope, queueId, entry.filters);
  }

  onAlertFired(listener: (alert: FiredAlert) => void): void {
    this.alertListeners.push(listener);
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
      return row ? this.toQueue(row) : null;
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
      if (existing) {
        this.sql.updateQueue.run(...settingColumns(settings), now, existing.id);
        this.setTopics(existing, settings.topics);
        // Forget the firing state of alerts that no longer exist.
        const kept = new Set(settings.alerts.map((alert) => alert.id));
        for (const alertId of this.sql.alertStates.all(existing.id) as string[]) {
          if (!kept.has(alertId)) this.sql.deleteAlertState.run(existing.id, alertId);
        }
      } else {
        this.insertQueue(projectId, name, settings, now);
      }
      return { queue: this.toQueue(this.queueRow(projectId, name)!), created: !existing };
    });
  }

  deleteQueue(projectId: string, name: string): Promise<boolean> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return false;
      this.sql.deleteQueue.run(projectId, name);
      this.topicIndex.remove(queue.id);
      return true;
    });
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
      return rows.map((row) => this.toQueue(row));
    });
  }

  // ---- messages ----

  postMessages(
    projectId: string,
    name: string,
    messages: NewMessage[],
    defaults: QueueSettings,
    now: number,
  ): Promise<PostResult> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name) ?? this.insertQueue(projectId, name, defaults, now);
      return this.append(queue, messages, now, true);
    });
  }

  reserveMessages(request: ReserveRequest): Promise<ReserveResult | null> {
    return this.write(() => {
      const queue = this.queueRow(request.projectId, request.name);
      if (!queue) return null;
      if (queue.type !== 'pull') return { messages: [], deadLettered: 0, pushQueue: true, atCapacity: false };
      const { now } = request;
      this.promoteDue(queue, now);
      // Consumers show lastActive; queues with an idle expiry live by it. Plain IronMQ queues skip the write.
      if (queue.idle_expiry > 0 || queue.on_timeout === 'overdue') this.sql.markActive.run(now, queue.id);
      let n = request.n;
      if (queue.max_in_flight > 0) {
        const held = this.sql.countState.get(queue.id, STATE.reserved) as number;
        n = Math.min(n, queue.max_in_flight - held);
        if (n <= 0) return { messages: [], deadLettered: 0, pushQueue: false, atCapacity: true };
      }
      const reserved: Message[] = [];
      const timeout = request.timeoutSeconds ?? queue.message_timeout;
      const reservedUntil = now + timeout * 1000;
      let deadLetter: QueueRow | undefined;
      let deadLettered = 0;
      // Loop only when messages were moved to the dead-letter queue instead of being returned.
      while (reserved.length < n) {
        const rows = this.sql.headOfQueue.all(queue.id, now, n - reserved.length) as MessageRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          if (queue.dead_letter_queue !== null && row.reserved_count >= (queue.dead_letter_max ?? 10)) {
            deadLetter ??=
              this.queueRow(request.projectId, queue.dead_letter_queue) ??
              this.insertQueue(request.projectId, queue.dead_letter_queue, request.defaults, now);
            if (deadLetter.type === 'pull') {
              // Same row: the dead letter keeps its id, body and reserved_count.
              this.sql.moveMessage.run(deadLetter.id, now, row.id);
              this.changeSize(deadLetter, 1, 1, now);
            } else {
              // A push queue delivers what it receives: post a copy there (with its deliveries).
              this.sql.deleteMessage.run(row.id);
              const pushHeaders =
                row.push_headers === null ? null : (JSON.parse(row.push_headers) as Record<string, string>);
              this.append(deadLetter, [{ body: row.body, delay: 0, pushHeaders }], now, true);
            }
            this.changeSize(queue, -1, 0, now);
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
          if (request.deleteOnReserve) this.removeMessage(queue, row.id, now);
          else this.sql.reserveMessage.run(reservationId, reservedUntil, timeout, now, row.id);
          reserved.push(toMessage(updated, queue.name, now, queue));
        }
      }
      if (request.deleteOnReserve && reserved.length > 0) this.changeSize(queue, -reserved.length, 0, now);
      return { messages: reserved, deadLettered, pushQueue: false, atCapacity: false };
    });
  }

  peekMessages(projectId: string, name: string, n: number, now: number): Promise<Message[] | null> {
    return this.read(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return null;
      // What a reserve would return: the available head merged with messages whose timer has fired.
      const head = this.sql.headOfQueue.all(queue.id, now, n) as MessageRow[];
      // On a consumer queue a timed-out reservation is overdue, not available again.
      const dueTimers = queue.on_timeout === 'overdue' ? this.sql.dueScheduled : this.sql.dueMessages;
      const due = dueTimers.all(queue.id, now, now, n) as MessageRow[];
      return [...head, ...due]
        .sort((a, b) => a.id - b.id)
        .slice(0, n)
        .map((row) => toMessage(row, name, now, queue));
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
      return row && isLive(effectiveState(row, now, queue)) ? toMessage(row, name, now, queue) : null;
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
        if (!row || !isLive(effectiveState(row, now, queue))) {
          throw new Rollback({ kind: 'message_not_found', id: item.id });
        }
        const failure = checkHolder(row, item.reservationId, now, queue);
        if (failure) throw new Rollback(failure);
        this.removeMessage(queue, row.id, now);
        removed++;
      }
      if (removed > 0) this.changeSize(queue, -removed, 0, now);
      return null;
    });
  }

  clearMessages(projectId: string, name: string, now = 0): Promise<boolean> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return false;
      this.sql.clearQueue.run(queue.id);
      if (queue.size > 0) this.changeSize(queue, -queue.size, 0, now);
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
        queue,
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
        const queue = this.sql.getQueueById.get(queueId) as QueueRow;
        if (counts.live > 0) this.changeSize(queue, -counts.live, 0, now);
        byQueue.push({ projectId: queue.project_id, name: queue.name, count: counts.all });
      }
      return { total: rows.length, byQueue };
    });
  }

  // ---- push deliveries ----

  claimDeliveries(request: ClaimRequest): Promise<DeliveryTask[]> {
    return this.write(() => {
      const inFlight = new Map(request.inFlight);
      const saturated = () =>
        JSON.stringify(
          [...inFlight].filter(([, n]) => n >= request.perQueueLimit).map(([queueId]) => queueId),
        );
      const tasks: DeliveryTask[] = [];
      // Queues at their in-flight limit are left out of the query, so a backlog on one slow queue cannot fill
      // the window and hide the others' due deliveries. A queue that fills up during a pass is left out of the
      // next one; each pass leases at least one delivery or ends the loop.
      for (let pass = 0; pass < 20 && tasks.length < request.limit; pass++) {
        const window = Math.min((request.limit - tasks.length) * 10, 1000);
        const rows = this.sql.dueDeliveries.all(request.now, saturated(), window) as DueDeliveryRow[];
        const before = tasks.length;
        for (const row of rows) {
          if (tasks.length >= request.limit) break;
          const busy = inFlight.get(row.queue_id) ?? 0;
          if (busy >= request.perQueueLimit) continue;
          inFlight.set(row.queue_id, busy + 1);
          this.sql.leaseDelivery.run(request.now + request.leaseMs, row.message_id, row.subscriber);
          tasks.push(this.deliveryTask(row));
        }
        if (tasks.length === before) break;
      }
      return tasks;
    });
  }

  private deliveryTask(row: DueDeliveryRow): DeliveryTask {
    return {
      messageId: String(row.message_id),
      subscriber: row.subscriber,
      url: row.url,
      headers: JSON.parse(row.headers) as Record<string, string>,
      body: row.body,
      pushHeaders:
        row.push_headers === null ? null : (JSON.parse(row.push_headers) as Record<string, string>),
      projectId: row.project_id,
      queueId: row.queue_id,
      queueName: row.queue_name,
      tries: row.tries,
      // A 202 held with no retry left and not acknowledged in time: it ends, it is not sent again.
      holdExpired: row.status === 'reserved' && row.retries_remaining === 0,
    };
  }

  recordDelivery(outcome: DeliveryOutcome): Promise<RecordedDelivery | null> {
    return this.write(() => {
      const id = Number(outcome.messageId);
      const row = this.sql.getDelivery.get(id, outcome.subscriber) as DeliveryRow | undefined;
      if (!row || row.status === 'deleted' || row.status === 'error') return null;
      const queue = this.sql.getQueueById.get(row.queue_id) as QueueRow;
      const push = parseExtra(queue).push;
      const retriesDelayMs = (push?.retriesDelay ?? 60) * 1000;
      const { now, result } = outcome;
      // A 202 keeps its retry count while held; the redelivery after an unacknowledged hold uses one up. A hold
      // with none left (claimDeliveries flags it `holdExpired`) ends here without having been sent again.
      const redelivery = row.status === 'reserved';
      const holdExpired = redelivery && row.retries_remaining === 0;
      const remaining = redelivery ? Math.max(row.retries_remaining - 1, 0) : row.retries_remaining;
      const tries = holdExpired ? row.tries : row.tries + 1;
      const update = (
        status: PushStatus,
        retriesRemaining: number,
        dueAt: number | null,
        error: string | null,
      ) =>
        this.sql.updateDelivery.run(
          status,
          holdExpired ? row.status_code : result.statusCode,
          error,
          tries,
          retriesRemaining,
          dueAt,
          holdExpired ? row.last_try_at : now,
          status === 'reserved' ? outcome.reservationId : row.reservation_id,
          id,
          row.subscriber,
        );
      const all = () => this.sql.messageDeliveries.all(id) as DeliveryRow[];
      let status: PushStatus;
      if (result.kind === 'delivered') {
        status = 'deleted';
        update(status, remaining, null, null);
        if (queue.type === 'unicast') {
          // One success is the delivery: the other subscribers are not tried.
          for (const other of all()) {
            if (other.subscriber !== row.subscriber && other.due_at !== null) {
              this.sql.setDeliveryRound.run(
                other.status,
                other.retries_remaining,
                null,
                id,
                other.subscriber,
              );
            }
          }
        }
      } else if (result.kind === 'held') {
        // 202: wait for the subscriber's acknowledgement (also on the last try); without one, redeliver after
        // retries_delay, or end when no retry is left.
        status = 'reserved';
        update(status, remaining, now + retriesDelayMs, null);
      } else if (queue.type === 'unicast') {
        const current = { ...row, retries_remaining: remaining };
        status = this.unicastFailure(current, all(), now, retriesDelayMs, update, result.error);
      } else if (remaining > 0) {
        status = 'retrying';
        update(status, remaining - 1, now + retriesDelayMs, result.error);
      } else {
        status = 'error';
        update(status, 0, null, result.error);
      }
      const done = this.completeIfDone(queue, id, now, outcome.retentionMs);
      return { status, completed: done.completed, errorQueue: done.errorQueue };
    });
  }

  ackDelivery(request: AckRequest): Promise<MessageOpFailure | Omit<RecordedDelivery, 'status'>> {
    return this.write(() => {
      const queue = this.queueRow(request.projectId, request.name);
      if (!queue) return QUEUE_MISSING;
      const id = /^\d{1,18}$/.test(request.messageId) ? Number(request.messageId) : -1;
      const row = this.sql.getDelivery.get(id, request.subscriber) as DeliveryRow | undefined;
      if (!row || row.queue_id !== queue.id) return { kind: 'message_not_found', id: request.messageId };
      if (row.status !== 'reserved' || row.reservation_id !== request.reservationId) {
        return { kind: 'reservation_mismatch', id: request.messageId };
      }
      this.sql.updateDelivery.run(
        'deleted',
        row.status_code,
        null,
        row.tries,
        row.retries_remaining,
        null,
        row.last_try_at,
        row.reservation_id,
        id,
        row.subscriber,
      );
      return this.completeIfDone(queue, id, request.now, request.retentionMs);
    });
  }

  listDeliveries(projectId: string, name: string, messageId: string): Promise<Delivery[] | MessageOpFailure> {
    return this.read(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return QUEUE_MISSING;
      const id = /^\d{1,18}$/.test(messageId) ? Number(messageId) : -1;
      const rows = (this.sql.messageDeliveries.all(id) as DeliveryRow[]).filter(
        (row) => row.queue_id === queue.id,
      );
      if (rows.length === 0) return { kind: 'message_not_found', id: messageId };
      return rows.map(toDelivery);
    });
  }

  nextDeliveryAt(): Promise<number | null> {
    return this.read(() => (this.sql.nextDelivery.get() as number | null | undefined) ?? null);
  }

  // ---- consumers (CrimsonQ) ----

  countStates(projectId: string, name: string, now: number): Promise<StateCounts | null> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return null;
      this.promoteDue(queue, now);
      const count = (state: number) => this.sql.countState.get(queue.id, state) as number;
      return {
        pending: count(STATE.available) + count(STATE.scheduled),
        active: count(STATE.reserved),
        delayed: count(STATE.overdue),
        failed: count(STATE.failed),
        completed: count(STATE.completed),
      };
    });
  }

  listStatus(
    projectId: string,
    name: string,
    status: ConsumerStatus,
    now: number,
    limit: number,
  ): Promise<Message[] | null> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return null;
      this.promoteDue(queue, now);
      const rows = STATES_OF[status].flatMap(
        (state) => this.sql.listState.all(queue.id, state, limit) as MessageRow[],
      );
      return rows
        .sort((a, b) => a.id - b.id)
        .slice(0, limit)
        .map((row) => toMessage(row, name, now, queue));
    });
  }

  completeMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.consumerMessageOp(projectId, name, id, now, (queue, row) => {
      if (row.state !== STATE.reserved && row.state !== STATE.overdue) return 'wrong_state';
      this.removeMessage(queue, row.id, now);
      this.changeSize(queue, -1, 0, now);
      return null;
    });
  }

  failMessage(
    projectId: string,
    name: string,
    id: string,
    error: string,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.consumerMessageOp(projectId, name, id, now, (queue, row) => {
      if (!isLive(row.state)) return 'wrong_state';
      this.sql.failMessage.run(error, now, row.id);
      this.changeSize(queue, -1, 0, now);
      return null;
    });
  }

  retryFailed(
    projectId: string,
    name: string,
    id: string | null,
    now: number,
  ): Promise<number | MessageOpFailure> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return QUEUE_MISSING;
      this.promoteDue(queue, now);
      let moved: number;
      if (id === null) {
        moved = this.sql.retryAllFailed.run(now, queue.id).changes;
      } else {
        const row = this.messageRow(queue.id, id, now);
        if (!row) return { kind: 'message_not_found', id };
        if (row.state !== STATE.failed) return { kind: 'wrong_state', id };
        this.sql.setState.run(STATE.available, now, row.id);
        moved = 1;
      }
      if (moved > 0) this.changeSize(queue, moved, 0, now);
      return moved;
    });
  }

  deleteInStatus(
    projectId: string,
    name: string,
    id: string,
    status: ConsumerStatus,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.consumerMessageOp(projectId, name, id, now, (queue, row) => {
      if (!STATES_OF[status].includes(row.state)) return 'wrong_state';
      this.sql.deleteMessage.run(row.id);
      if (isLive(row.state)) this.changeSize(queue, -1, 0, now);
      return null;
    });
  }

  flushStatus(
    projectId: string,
    name: string,
    status: 'completed' | 'failed',
    now: number,
  ): Promise<number | null> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return null;
      this.promoteDue(queue, now);
      return this.sql.deleteState.run(queue.id, status === 'completed' ? STATE.completed : STATE.failed)
        .changes;
    });
  }

  markActive(projectId: string, name: string, now: number): Promise<boolean> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return false;
      this.sql.markActive.run(now, queue.id);
      return true;
    });
  }

  publish(
    projectId: string,
    topic: string,
    messages: NewMessage[],
    now: number,
  ): Promise<Record<string, string[]>> {
    return this.write(() => {
      const result: Record<string, string[]> = {};
      for (const queueId of this.topicIndex.match(projectId, topic)) {
        const queue = this.sql.getQueueById.get(queueId) as QueueRow | undefined;
        if (!queue) continue;
        result[queue.name] = this.append(
          queue,
          messages.map((message) => ({ ...message, topic })),
          now,
          true,
        ).ids;
      }
      return result;
    });
  }

  expireIdleQueues(now: number, limit: number): Promise<{ projectId: string; name: string }[]> {
    return this.write(() => {
      const rows = this.sql.idleQueues.all(now, limit) as QueueRow[];
      for (const row of rows) {
        this.sql.deleteQueue.run(row.project_id, row.name);
        this.topicIndex.remove(row.id);
      }
      return rows.map((row) => ({ projectId: row.project_id, name: row.name }));
    });
  }

  applyTimers(now: number, limit: number): Promise<number> {
    return this.write(() => {
      const ids = this.sql.queuesWithDueTimers.all(now, limit) as number[];
      for (const id of ids) {
        const queue = this.sql.getQueueById.get(id) as QueueRow | undefined;
        if (queue) this.promoteDue(queue, now);
      }
      return ids.length;
    });
  }

  queueStats(limit: number): Promise<{ projectId: string; name: string; size: number; reserved: number }[]> {
    return this.read(
      () =>
        this.sql.queueStats.all(limit) as {
          projectId: string;
          name: string;
          size: number;
          reserved: number;
        }[],
    );
  }

  serverSetting(key: string, value: string): Promise<string> {
    return this.write(() => {
      this.sql.putSettingIfAbsent.run(key, value);
      return this.sql.getSetting.get(key) as string;
    });
  }

  /** Runs a CrimsonQ operation on one message of a queue after applying its timers. */
  private consumerMessageOp(
    projectId: string,
    name: string,
    id: string,
    now: number,
    operation: (queue: QueueRow, row: MessageRow) => 'wrong_state' | null,
  ): Promise<MessageOpFailure | null> {
    return this.write(() => {
      const queue = this.queueRow(projectId, name);
      if (!queue) return QUEUE_MISSING;
      this.promoteDue(queue, now);
      const row = this.messageRow(queue.id, id, now);
      if (!row) return { kind: 'message_not_found', id };
      return operation(queue, row) === null ? null : { kind: 'wrong_state', id };
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.writes.flush();
    this.closed = true;
    // Fold the WAL back into the main file so the data file alone is complete after shutdown. On a full or
    // read-only disk this cannot be done; the WAL keeps every commit and the next open replays it.
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // nothing lost: see above
    }
    this.db.close();
    return Promise.resolve();
  }

  // ---- helpers (run inside a read or a write) ----

  private write<T>(operation: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailable('The store is closed'));
    return this.writes.submit(() => {
      // A write undone by its savepoint must not announce the alerts it fired.
      const mark = this.firedAlerts.length;
      try {
        return operation();
      } catch (error) {
        this.firedAlerts.length = mark;
        throw error;
      }
    });
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
    this.sql.insertQueue.run(projectId, name, ...settingColumns(settings), now, now, now);
    const row = this.queueRow(projectId, name)!;
    if (settings.topics.length > 0) this.setTopics(row, settings.topics);
    return row;
  }

  /**
   * Inserts messages at the tail of `queue` (and their push deliveries on a push queue) and moves its counters.
   * `alerts`: whether the size change may fire the queue's alerts (alert messages themselves do not cascade).
   */
  private append(queue: QueueRow, messages: NewMessage[], now: number, alerts: boolean): PostResult {
    const expiresAt = now + queue.message_expiration * 1000;
    const push = queue.type === 'pull' ? null : parseExtra(queue).push;
    let deliveries = 0;
    const ids = messages.map((message) => {
      const visibleAt = now + message.delay * 1000;
      const result = this.sql.insertMessage.run(
        queue.id,
        message.delay > 0 ? STATE.scheduled : STATE.available,
        visibleAt,
        message.body,
        message.delay,
        message.pushHeaders === null ? null : JSON.stringify(message.pushHeaders),
        now,
        now,
        expiresAt,
        message.topic ?? null,
      );
      if (push) {
        push.subscribers.forEach((subscriber, position) => {
          // Unicast tries one subscriber at a time: only the first is due now.
          const due = queue.type === 'multicast' || position === 0 ? visibleAt : null;
          this.sql.insertDelivery.run(
            result.lastInsertRowid,
            subscriber.name,
            queue.id,
            position,
            subscriber.url,
            JSON.stringify(subscriber.headers),
            'queued',
            push.retries,
            due,
          );
          deliveries++;
        });
      }
      return String(result.lastInsertRowid);
    });
    this.changeSize(queue, messages.length, messages.length, now, alerts);
    return { ids, deliveries };
  }

  /**
   * Moves a queue's counters and evaluates its alerts against the size change, in the caller's transaction:
   * an alert fires exactly once per crossing, even under concurrent posts and deletes.
   */
  private changeSize(
    queue: QueueRow,
    sizeDelta: number,
    totalDelta: number,
    now: number,
    alerts = true,
  ): void {
    const after = this.sql.addToQueue.get(sizeDelta, totalDelta, now, queue.id) as number;
    if (!alerts || queue.extra === '{}') return;
    const definitions = parseExtra(queue).alerts ?? [];
    for (const alert of definitions) {
      const stored = this.sql.getAlertState.get(queue.id, alert.id) as AlertStateRow | undefined;
      const state: AlertState = stored
        ? { armed: stored.armed === 1, level: stored.level, lastFiredAt: stored.last_fired_at }
        : INITIAL_ALERT_STATE;
      const decision = evaluateAlert(alert, state, after - sizeDelta, after, now);
      const next = decision.state;
      this.sql.putAlertState.run(queue.id, alert.id, next.armed ? 1 : 0, next.level, next.lastFiredAt);
      if (decision.fire) {
        const target =
          this.queueRow(queue.project_id, alert.queue) ??
          this.insertQueue(queue.project_id, alert.queue, ALERT_TARGET_DEFAULTS, now);
        this.append(
          target,
          [{ body: alertMessageBody(alert, queue.name, after), delay: 0, pushHeaders: null }],
          now,
          false,
        );
        this.firedAlerts.push({
          projectId: queue.project_id,
          queue: queue.name,
          alertId: alert.id,
          size: after,
        });
      }
    }
  }

  /** Unicast: fail over to the next subscriber at once; after the last one, the whole round is retried. */
  private unicastFailure(
    row: DeliveryRow,
    rows: DeliveryRow[],
    now: number,
    retriesDelayMs: number,
    update: (
      status: PushStatus,
      retriesRemaining: number,
      dueAt: number | null,
      error: string | null,
    ) => void,
    error: string,
  ): PushStatus {
    const next = rows.find((other) => other.position > row.position);
    if (next) {
      update('retrying', row.retries_remaining, null, error);
      this.sql.setDeliveryRound.run(
        next.status,
        next.retries_remaining,
        now,
        next.message_id,
        next.subscriber,
      );
      return 'retrying';
    }
    const remaining = row.retries_remaining - 1;
    const status: PushStatus = row.retries_remaining > 0 ? 'retrying' : 'error';
    update(status, Math.max(remaining, 0), null, error);
    for (const other of rows) {
      if (other.subscriber === row.subscriber) continue;
      this.sql.setDeliveryRound.run(status, Math.max(remaining, 0), null, other.message_id, other.subscriber);
    }
    if (status === 'retrying') {
      const first = rows[0]!;
      this.sql.setDeliveryRound.run(
        'retrying',
        remaining,
        now + retriesDelayMs,
        first.message_id,
        first.subscriber,
      );
    }
    return status;
  }

  /**
   * When no delivery of a message is pending any more, the message is done: it leaves `size` (kept, for its
   * push statuses, until the retention ends), and failed subscribers are reported to the error queue.
   */
  private completeIfDone(
    queue: QueueRow,
    messageId: number,
    now: number,
    retentionMs: number,
  ): { completed: boolean; errorQueue: string | null } {
    const rows = this.sql.messageDeliveries.all(messageId) as DeliveryRow[];
    const delivered = rows.some((r) => r.status === 'deleted');
    const pending = rows.some((r) => r.due_at !== null || r.status === 'reserved' || r.status === 'queued');
    const finished = queue.type === 'unicast' ? delivered || !pending : !pending;
    if (!finished) return { completed: false, errorQueue: null };
    const message = this.sql.getMessageById.get(messageId) as MessageRow | undefined;
    if (!message || !isLive(message.state)) return { completed: false, errorQueue: null };
    this.sql.completeMessage.run(STATE.completed, now + retentionMs, now, messageId);
    this.changeSize(queue, -1, 0, now);
    const failed = rows.filter((r) => r.status === 'error');
    const errorQueue = parseExtra(queue).push?.errorQueue ?? null;
    if (errorQueue === null || failed.length === 0 || (queue.type === 'unicast' && delivered)) {
      return { completed: true, errorQueue: null };
    }
    const target =
      this.queueRow(queue.project_id, errorQueue) ??
      this.insertQueue(queue.project_id, errorQueue, ALERT_TARGET_DEFAULTS, now);
    const body = errorQueueBody(
      String(messageId),
      message.body,
      message.push_headers === null ? null : (JSON.parse(message.push_headers) as Record<string, string>),
      failed.map((r) => ({ name: r.subscriber, url: r.url, code: r.status_code, msg: r.error })),
    );
    this.append(target, [{ body, delay: 0, pushHeaders: null }], now, true);
    return { completed: true, errorQueue };
  }

  /** A live message of this queue that has not expired, or undefined. Ids that are not integers match nothing. */
  private messageRow(queueId: number, id: string, now: number): MessageRow | undefined {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    return this.sql.getMessage.get(Number(id), queueId, now) as MessageRow | undefined;
  }

  /**
   * Applies every fired timer of the queue (the lazy half of delays and timeouts): delays end; on an IronMQ
   * queue ended reservations are available again; on a consumer queue they become overdue, then failed.
   */
  private promoteDue(queue: QueueRow, now: number): void {
    if (queue.on_timeout !== 'overdue') {
      this.sql.promoteDue.run(now, queue.id, now);
      return;
    }
    this.sql.scheduledToAvailable.run(now, queue.id, now);
    this.sql.reservedToOverdue.run(queue.overdue_timeout * 1000, now, queue.id, now);
    const failed = this.sql.overdueToFailed.run(OVERDUE_ERROR, now, queue.id, now).changes;
    if (failed > 0) this.changeSize(queue, -failed, 0, now);
  }

  /** Deletes a message, or keeps it as completed when the queue retains completed messages (CrimsonQ). */
  private removeMessage(queue: QueueRow, id: number, now: number): void {
    if (queue.retain_completed) this.sql.setState.run(STATE.completed, now, id);
    else this.sql.deleteMessage.run(id);
  }

  private toQueue(row: QueueRow): Queue {
    return toQueue(row, this.topicIndex.filters(row.id));
  }

  private setTopics(queue: QueueRow, filters: string[]): void {
    this.sql.clearTopics.run(queue.id);
    for (const filter of filters) this.sql.addTopic.run(queue.id, filter);
    this.topicIndex.set(queue.project_id, queue.id, filters);
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
    if (!row || !isLive(effectiveState(row, now, queue))) return { kind: 'message_not_found', id };
    if (effectiveState(row, now, queue) !== STATE.reserved || row.reservation_id !== reservationId) {
      return { kind: 'reservation_mismatch', id };
    }
    return { queue, row };
  }
}

/** Stored states behind each CrimsonQ status. */
const STATES_OF: Record<ConsumerStatus, number[]> = {
  pending: [STATE.available, STATE.scheduled],
  active: [STATE.reserved],
  delayed: [STATE.overdue],
  failed: [STATE.failed],
  completed: [STATE.completed],
};

/** Queues created implicitly as alert, error or dead-letter targets get the defaults. */
const ALERT_TARGET_DEFAULTS: QueueSettings = DEFAULT_QUEUE_SETTINGS;

/** The settings columns of `queues`, in the order insertQueue and updateQueue take them. */
function settingColumns(settings: QueueSettings): (string | number | null)[] {
  const dl = settings.deadLetter;
  return [
    settings.type,
    settings.messageTimeout,
    settings.messageExpiration,
    dl?.queueName ?? null,
    dl?.maxReservations ?? null,
    extraOf(settings),
    settings.onTimeout,
    settings.overdueTimeout,
    settings.maxInFlight,
    settings.retainCompleted ? 1 : 0,
    settings.idleExpiry,
  ];
}

function extraOf(settings: QueueSettings): string {
  const extra: QueueExtra = {};
  if (settings.push) extra.push = settings.push;
  if (settings.alerts.length > 0) extra.alerts = settings.alerts;
  return JSON.stringify(extra);
}

interface DueDeliveryRow extends DeliveryRow {
  body: string;
  push_headers: string | null;
  project_id: string;
  queue_name: string;
}

interface AlertStateRow {
  armed: number;
  level: number;
  last_fired_at: number | null;
}

/**
 * Whether a delete may remove this message: a held message needs its current reservation id. On a consumer
 * queue an overdue message is still held: its holder may still finish (delete) it.
 */
function checkHolder(
  row: MessageRow,
  reservationId: string | null,
  now: number,
  policy: TimeoutPolicy,
): MessageOpFailure | null {
  const state = effectiveState(row, now, policy);
  const held = state === STATE.reserved || state === STATE.overdue;
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
