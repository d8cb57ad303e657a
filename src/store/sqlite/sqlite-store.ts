import Database from 'better-sqlite3';
import { StoreUnavailable } from '../../domain/errors';
import type { MessageOpFailure, QueueMissing } from '../../domain/outcomes';
import type {
  ConsumerStatus,
  Delivery,
  DeliveryTask,
  Message,
  MessageCounts,
  NewMessage,
  Project,
  Queue,
  SqsKey,
  StateCounts,
  TokenInfo,
} from '../../domain/types';
import type {
  AckRequest,
  ActivityBatch,
  ActivityRequest,
  ClaimRequest,
  DeadLetterSources,
  DeliveryOutcome,
  ExpiredCounts,
  FiredAlert,
  MessageRef,
  NewToken,
  PostResult,
  ProjectActivity,
  PutQueueRequest,
  QueueHealth,
  QueueRef,
  QueueStat,
  RecordedDelivery,
  RedriveRequest,
  RedriveResult,
  ReleaseRequest,
  ReserveRequest,
  ReserveResult,
  Store,
  StoreStats,
  TouchRequest,
} from '../store';
import * as activity from './activity';
import { prepareActivityStatements } from './activity-statements';
import * as consumers from './consumers';
import type { SqliteContext } from './context';
import { fileSize, prepareDataFile } from './data-file';
import * as deadLetters from './dead-letters';
import { prepareDeadLetterStatements } from './dead-letter-statements';
import * as deliveries from './deliveries';
import { mapStoreError } from './errors';
import { GroupCommitter } from './group-commit';
import * as messages from './messages';
import { migrate } from './migrate';
import * as projects from './projects';
import * as queues from './queues';
import * as sqs from './sqs';
import { prepareStatements } from './statements';
import { TopicRoutes } from './topic-routes';
import type { Durability } from '../store-config';

export type { Durability };

export interface SqliteStoreOptions {
  /** Path of the database file; its folder is created if missing. ':memory:' for throw-away stores. */
  file: string;
  /** SQLite `synchronous`: full syncs the WAL on every commit (nothing acknowledged is lost on power failure). */
  durability: Durability;
  /** Used to stamp applied migrations. */
  now: number;
}

/**
 * Opens (creating and migrating) a SQLite store. The data file is checked first: SQLite silently opens a file it
 * may not write read-only, and every write would then fail; this fails at once with the reason instead.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (options.file !== ':memory:') prepareDataFile(options.file);
  const db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.durability.toUpperCase()}`);
  db.pragma('foreign_keys = ON');
  // A CLI command writing to the same file holds the lock for a few ms at most.
  db.pragma('busy_timeout = 5000');
  const applied = migrate(db, options.now);
  return new SqliteStore(db, options.file, applied);
}

/**
 * The Store on SQLite. Each operation is a plain function of its resource's module (queues, messages,
 * deliveries, consumers, projects) run inside a read, or inside a write of the group commit: every write
 * submitted in one turn of the event loop shares one transaction and one fsync, each in its own savepoint.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly ctx: SqliteContext;
  private readonly writes: GroupCommitter;
  private readonly alertListeners: ((alert: FiredAlert) => void)[] = [];
  private closed = false;

  /**
   * @param file the data file (':memory:' for none), for `stats()`
   * @param migrationsApplied the migrations this open applied (empty when the file was up to date)
   */
  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    readonly migrationsApplied: readonly string[] = [],
  ) {
    const sql = prepareStatements(db);
    this.ctx = {
      db,
      sql,
      activity: prepareActivityStatements(db),
      deadLetters: prepareDeadLetterStatements(db),
      routes: new TopicRoutes(sql),
      firedAlerts: [],
    };
    this.writes = new GroupCommitter(db, {
      mapError: mapStoreError,
      afterCommit: () => {
        const fired = this.ctx.firedAlerts;
        this.ctx.firedAlerts = [];
        for (const alert of fired) for (const listener of this.alertListeners) listener(alert);
      },
      afterRollback: () => {
        this.ctx.firedAlerts = [];
      },
    });
  }

  onAlertFired(listener: (alert: FiredAlert) => void): void {
    this.alertListeners.push(listener);
  }

  ping(): Promise<void> {
    // BEGIN IMMEDIATE (the write lock) and a COMMIT of nothing, through the same group commit as every write.
    return this.write(() => undefined);
  }

  async stats(): Promise<StoreStats> {
    if (this.file === ':memory:') return { bytes: {} };
    return { bytes: { data: await fileSize(this.file), wal: await fileSize(`${this.file}-wal`) } };
  }

  // ---- projects and tokens ----
  createProject(project: Project): Promise<void> {
    return this.write(() => projects.createProject(this.ctx, project));
  }
  getProject(id: string): Promise<Project | null> {
    return this.read(() => projects.getProject(this.ctx, id));
  }
  listProjects(): Promise<Project[]> {
    return this.read(() => projects.listProjects(this.ctx));
  }
  addToken(token: NewToken): Promise<void> {
    return this.write(() => projects.addToken(this.ctx, token));
  }
  listTokens(projectId?: string): Promise<TokenInfo[]> {
    return this.read(() => projects.listTokens(this.ctx, projectId));
  }
  revokeToken(tokenId: string, now: number): Promise<boolean> {
    return this.write(() => projects.revokeToken(this.ctx, tokenId, now));
  }
  projectOfTokenHash(tokenHash: string): Promise<string | null> {
    return this.read(() => projects.projectOfTokenHash(this.ctx, tokenHash));
  }
  serverSetting(key: string, value: string): Promise<string> {
    return this.write(() => projects.serverSetting(this.ctx, key, value));
  }

  // ---- queues ----
  getQueue(projectId: string, name: string): Promise<Queue | null> {
    return this.read(() => queues.getQueue(this.ctx, projectId, name));
  }
  putQueue(request: PutQueueRequest): Promise<{ queue: Queue; created: boolean } | null> {
    return this.write(() => queues.putQueue(this.ctx, request));
  }
  deleteQueue(projectId: string, name: string): Promise<boolean> {
    return this.write(() => queues.deleteQueue(this.ctx, projectId, name));
  }
  listQueues(projectId: string, options: { prefix: string; after: string; limit: number }): Promise<Queue[]> {
    return this.read(() => queues.listQueues(this.ctx, projectId, options));
  }
  markActive(projectId: string, name: string, now: number): Promise<boolean> {
    return this.write(() => queues.markActive(this.ctx, projectId, name, now));
  }
  expireIdleQueues(now: number, limit: number): Promise<{ projectId: string; name: string }[]> {
    return this.write(() => queues.expireIdleQueues(this.ctx, now, limit));
  }
  queueStats(limit: number): Promise<QueueStat[]> {
    return this.read(() => queues.queueStats(this.ctx, limit));
  }

  // ---- messages ----
  postMessages(projectId: string, name: string, list: NewMessage[], now: number): Promise<PostResult> {
    return this.write(() => messages.postMessages(this.ctx, projectId, name, list, now));
  }
  reserveMessages(request: ReserveRequest): Promise<ReserveResult | null> {
    return this.write(() => messages.reserveMessages(this.ctx, request));
  }
  peekMessages(projectId: string, name: string, n: number, now: number): Promise<Message[] | null> {
    return this.read(() => messages.peekMessages(this.ctx, projectId, name, n, now));
  }
  getMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<Message | QueueMissing | null> {
    return this.read(() => messages.getMessage(this.ctx, projectId, name, id, now));
  }
  deleteMessages(
    projectId: string,
    name: string,
    items: readonly MessageRef[],
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write(() => messages.deleteMessages(this.ctx, projectId, name, items, now));
  }
  clearMessages(projectId: string, name: string, now: number): Promise<boolean> {
    return this.write(() => messages.clearMessages(this.ctx, projectId, name, now));
  }
  touchMessage(request: TouchRequest): Promise<Message | MessageOpFailure> {
    return this.write(() => messages.touchMessage(this.ctx, request));
  }
  releaseMessage(request: ReleaseRequest): Promise<MessageOpFailure | null> {
    return this.write(() => messages.releaseMessage(this.ctx, request));
  }
  nextTimerAt(projectId: string, name: string): Promise<number | null> {
    return this.read(() => messages.nextTimerAt(this.ctx, projectId, name));
  }
  expireMessages(now: number, limit: number): Promise<ExpiredCounts> {
    return this.write(() => messages.expireMessages(this.ctx, now, limit));
  }
  applyTimers(now: number, limit: number): Promise<number> {
    return this.write(() => messages.applyTimers(this.ctx, now, limit));
  }

  // ---- push deliveries ----
  claimDeliveries(request: ClaimRequest): Promise<DeliveryTask[]> {
    return this.write(() => deliveries.claimDeliveries(this.ctx, request));
  }
  recordDelivery(outcome: DeliveryOutcome): Promise<RecordedDelivery | null> {
    return this.write(() => deliveries.recordDelivery(this.ctx, outcome));
  }
  ackDelivery(request: AckRequest): Promise<MessageOpFailure | Omit<RecordedDelivery, 'status'>> {
    return this.write(() => deliveries.ackDelivery(this.ctx, request));
  }
  listDeliveries(projectId: string, name: string, messageId: string): Promise<Delivery[] | MessageOpFailure> {
    return this.read(() => deliveries.listDeliveries(this.ctx, projectId, name, messageId));
  }
  nextDeliveryAt(): Promise<number | null> {
    return this.read(() => deliveries.nextDeliveryAt(this.ctx));
  }

  // ---- consumers (CrimsonQ) ----
  countStates(projectId: string, name: string, now: number): Promise<StateCounts | null> {
    return this.write(() => consumers.countStates(this.ctx, projectId, name, now));
  }
  listStatus(
    projectId: string,
    name: string,
    status: ConsumerStatus,
    now: number,
    limit: number,
  ): Promise<Message[] | null> {
    return this.write(() => consumers.listStatus(this.ctx, projectId, name, status, now, limit));
  }
  completeMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write(() => consumers.completeMessage(this.ctx, projectId, name, id, now));
  }
  failMessage(
    projectId: string,
    name: string,
    id: string,
    error: string,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write(() => consumers.failMessage(this.ctx, projectId, name, id, error, now));
  }
  retryFailed(
    projectId: string,
    name: string,
    id: string | null,
    now: number,
  ): Promise<number | MessageOpFailure> {
    return this.write(() => consumers.retryFailed(this.ctx, projectId, name, id, now));
  }
  deleteInStatus(
    projectId: string,
    name: string,
    id: string,
    status: ConsumerStatus,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write(() => consumers.deleteInStatus(this.ctx, projectId, name, id, status, now));
  }
  flushStatus(
    projectId: string,
    name: string,
    status: 'completed' | 'failed',
    now: number,
  ): Promise<number | null> {
    return this.write(() => consumers.flushStatus(this.ctx, projectId, name, status, now));
  }
  publish(
    projectId: string,
    topic: string,
    list: NewMessage[],
    now: number,
  ): Promise<Record<string, string[]>> {
    return this.write(() => consumers.publish(this.ctx, projectId, topic, list, now));
  }

  // ---- SQS ----
  countMessages(projectId: string, name: string, now: number): Promise<MessageCounts | null> {
    return this.read(() => sqs.countMessages(this.ctx, projectId, name, now));
  }
  listDeadLetterSources(
    projectId: string,
    name: string,
    options: { after: string; limit: number },
  ): Promise<string[]> {
    return this.read(() => sqs.listDeadLetterSources(this.ctx, projectId, name, options));
  }
  addSqsKey(key: Omit<SqsKey, 'revokedAt'>): Promise<void> {
    return this.write(() => sqs.addSqsKey(this.ctx, key));
  }
  getSqsKey(accessKeyId: string): Promise<SqsKey | null> {
    return this.read(() => sqs.getSqsKey(this.ctx, accessKeyId));
  }
  listSqsKeys(projectId?: string): Promise<SqsKey[]> {
    return this.read(() => sqs.listSqsKeys(this.ctx, projectId));
  }
  revokeSqsKey(accessKeyId: string, now: number): Promise<boolean> {
    return this.write(() => sqs.revokeSqsKey(this.ctx, accessKeyId, now));
  }

  // ---- activity over time ----
  recordActivity(batch: ActivityBatch): Promise<void> {
    return this.write(() => activity.recordActivity(this.ctx, batch));
  }
  readActivity(request: ActivityRequest): Promise<ProjectActivity | null> {
    return this.read(() => activity.readActivity(this.ctx, request));
  }

  // ---- dead letters ----
  redriveMessages(request: RedriveRequest): Promise<RedriveResult | QueueMissing> {
    return this.write(() => deadLetters.redriveMessages(this.ctx, request));
  }
  deadLetterSources(projectId: string, name: string, now: number): Promise<DeadLetterSources | null> {
    return this.read(() => deadLetters.deadLetterSources(this.ctx, projectId, name, now));
  }
  queueHealth(queues: readonly QueueRef[]): Promise<QueueHealth[]> {
    return this.read(() => deadLetters.queueHealth(this.ctx, queues));
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

  private write<T>(operation: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailable('The store is closed'));
    return this.writes.submit(() => {
      // A write undone by its savepoint must not announce the alerts it fired.
      const mark = this.ctx.firedAlerts.length;
      try {
        return operation();
      } catch (error) {
        this.ctx.firedAlerts.length = mark;
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
}
