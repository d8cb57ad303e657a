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
import { createContext, openConnection } from './connection';
import type { SqliteContext } from './context';
import { fileSize, prepareDataFile } from './data-file';
import { mapStoreError } from './errors';
import type { CommitCounters } from './group-commit';
import { migrate } from './migrate';
import { READS, WRITES, type ArgsOf, type ReadName, type WriteName } from './operations';
import { InlineWriter, ThreadWriter, type Writer } from './writers';
import type { Durability } from '../store-config';

export type { Durability };

export interface SqliteStoreOptions {
  /** Path of the database file; its folder is created if missing. ':memory:' for throw-away stores. */
  file: string;
  /** SQLite `synchronous`: full syncs the WAL on every commit (nothing acknowledged is lost on power failure). */
  durability: Durability;
  /** Used to stamp applied migrations. */
  now: number;
  /**
   * Where writes run: 'thread' (the default) on a worker thread of their own, so fsync never blocks this one;
   * 'inline' on this thread (short-lived tools; always for ':memory:', which a thread cannot share).
   */
  writer?: 'thread' | 'inline';
}

/**
 * Opens (creating and migrating) a SQLite store. The data file is checked first: SQLite silently opens a file it
 * may not write read-only, and every write would then fail; this fails at once with the reason instead.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const memory = options.file === ':memory:';
  if (!memory) prepareDataFile(options.file);
  const db = openConnection(options.file, options.durability);
  let writer: Writer | null = null;
  try {
    const applied = migrate(db, options.now);
    const ctx = createContext(db);
    const store = new SqliteStore(ctx, options.file, applied);
    writer =
      memory || options.writer === 'inline'
        ? new InlineWriter(ctx, (alerts) => store.announce(alerts))
        : await ThreadWriter.start(options.file, options.durability, (alerts) => store.announce(alerts));
    store.attach(writer);
    return store;
  } catch (error) {
    await writer?.close();
    db.close();
    throw error;
  }
}

/**
 * The Store on SQLite. Each operation is a plain function of its resource's module (queues, messages,
 * deliveries, consumers, projects), named in `operations.ts`. Reads run at once on this thread's connection
 * (WAL: they see every committed write and never wait for one); writes go to the writer, which commits them in
 * groups — on its own thread in production, so that a COMMIT's fsync never stops this event loop.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private writer: Writer | null = null;
  private readonly alertListeners: ((alert: FiredAlert) => void)[] = [];
  private closed: Promise<void> | null = null;

  /**
   * @param ctx this thread's connection, for reads (and writes, with an inline writer)
   * @param file the data file (':memory:' for none), for `stats()`
   * @param migrationsApplied the migrations this open applied (empty when the file was up to date)
   */
  constructor(
    private readonly ctx: SqliteContext,
    private readonly file: string,
    readonly migrationsApplied: readonly string[] = [],
  ) {}

  /** @internal openSqliteStore gives the store its writer once both exist. */
  attach(writer: Writer): void {
    this.writer = writer;
  }

  /** @internal Called by the writer once a group with fired alerts has committed. */
  announce(alerts: readonly FiredAlert[]): void {
    for (const alert of alerts) for (const listener of this.alertListeners) listener(alert);
  }

  onAlertFired(listener: (alert: FiredAlert) => void): void {
    this.alertListeners.push(listener);
  }

  ping(): Promise<void> {
    // BEGIN IMMEDIATE (the write lock) and a COMMIT of nothing, through the same path as every write.
    return this.write('ping');
  }

  async stats(): Promise<StoreStats> {
    const commits = await this.commitCounters();
    if (this.file === ':memory:') return { bytes: {}, commits };
    return { bytes: { data: await fileSize(this.file), wal: await fileSize(`${this.file}-wal`) }, commits };
  }

  /** How the group commits went so far (groups, writes, time in COMMIT). */
  commitCounters(): Promise<CommitCounters> {
    if (!this.writer) return Promise.reject(new StoreUnavailable('The store is not open'));
    return this.writer.counters();
  }

  // ---- projects and tokens ----
  createProject(project: Project): Promise<void> {
    return this.write('createProject', project);
  }
  getProject(id: string): Promise<Project | null> {
    return this.read('getProject', id);
  }
  listProjects(): Promise<Project[]> {
    return this.read('listProjects');
  }
  addToken(token: NewToken): Promise<void> {
    return this.write('addToken', token);
  }
  listTokens(projectId?: string): Promise<TokenInfo[]> {
    return this.read('listTokens', projectId);
  }
  revokeToken(tokenId: string, now: number): Promise<boolean> {
    return this.write('revokeToken', tokenId, now);
  }
  projectOfTokenHash(tokenHash: string): Promise<string | null> {
    return this.read('projectOfTokenHash', tokenHash);
  }
  serverSetting(key: string, value: string): Promise<string> {
    return this.write('serverSetting', key, value);
  }

  // ---- queues ----
  getQueue(projectId: string, name: string): Promise<Queue | null> {
    return this.read('getQueue', projectId, name);
  }
  putQueue(request: PutQueueRequest): Promise<{ queue: Queue; created: boolean } | null> {
    return this.write('putQueue', request);
  }
  deleteQueue(projectId: string, name: string): Promise<boolean> {
    return this.write('deleteQueue', projectId, name);
  }
  listQueues(projectId: string, options: { prefix: string; after: string; limit: number }): Promise<Queue[]> {
    return this.read('listQueues', projectId, options);
  }
  markActive(projectId: string, name: string, now: number): Promise<boolean> {
    return this.write('markActive', projectId, name, now);
  }
  expireIdleQueues(now: number, limit: number): Promise<{ projectId: string; name: string }[]> {
    return this.write('expireIdleQueues', now, limit);
  }
  queueStats(limit: number): Promise<QueueStat[]> {
    return this.read('queueStats', limit);
  }

  // ---- messages ----
  postMessages(projectId: string, name: string, list: NewMessage[], now: number): Promise<PostResult> {
    return this.write('postMessages', projectId, name, list, now);
  }
  reserveMessages(request: ReserveRequest): Promise<ReserveResult | null> {
    return this.write('reserveMessages', request);
  }
  peekMessages(projectId: string, name: string, n: number, now: number): Promise<Message[] | null> {
    return this.read('peekMessages', projectId, name, n, now);
  }
  getMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<Message | QueueMissing | null> {
    return this.read('getMessage', projectId, name, id, now);
  }
  deleteMessages(
    projectId: string,
    name: string,
    items: readonly MessageRef[],
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write('deleteMessages', projectId, name, items, now);
  }
  clearMessages(projectId: string, name: string, now: number): Promise<boolean> {
    return this.write('clearMessages', projectId, name, now);
  }
  touchMessage(request: TouchRequest): Promise<Message | MessageOpFailure> {
    return this.write('touchMessage', request);
  }
  releaseMessage(request: ReleaseRequest): Promise<MessageOpFailure | null> {
    return this.write('releaseMessage', request);
  }
  nextTimerAt(projectId: string, name: string): Promise<number | null> {
    return this.read('nextTimerAt', projectId, name);
  }
  expireMessages(now: number, limit: number): Promise<ExpiredCounts> {
    return this.write('expireMessages', now, limit);
  }
  applyTimers(now: number, limit: number): Promise<number> {
    return this.write('applyTimers', now, limit);
  }

  // ---- push deliveries ----
  claimDeliveries(request: ClaimRequest): Promise<DeliveryTask[]> {
    return this.write('claimDeliveries', request);
  }
  recordDelivery(outcome: DeliveryOutcome): Promise<RecordedDelivery | null> {
    return this.write('recordDelivery', outcome);
  }
  ackDelivery(request: AckRequest): Promise<MessageOpFailure | Omit<RecordedDelivery, 'status'>> {
    return this.write('ackDelivery', request);
  }
  listDeliveries(projectId: string, name: string, messageId: string): Promise<Delivery[] | MessageOpFailure> {
    return this.read('listDeliveries', projectId, name, messageId);
  }
  nextDeliveryAt(): Promise<number | null> {
    return this.read('nextDeliveryAt');
  }

  // ---- consumers (CrimsonQ) ----
  countStates(projectId: string, name: string, now: number): Promise<StateCounts | null> {
    return this.write('countStates', projectId, name, now);
  }
  listStatus(
    projectId: string,
    name: string,
    status: ConsumerStatus,
    now: number,
    limit: number,
  ): Promise<Message[] | null> {
    return this.write('listStatus', projectId, name, status, now, limit);
  }
  completeMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write('completeMessage', projectId, name, id, now);
  }
  failMessage(
    projectId: string,
    name: string,
    id: string,
    error: string,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write('failMessage', projectId, name, id, error, now);
  }
  retryFailed(
    projectId: string,
    name: string,
    id: string | null,
    now: number,
  ): Promise<number | MessageOpFailure> {
    return this.write('retryFailed', projectId, name, id, now);
  }
  deleteInStatus(
    projectId: string,
    name: string,
    id: string,
    status: ConsumerStatus,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write('deleteInStatus', projectId, name, id, status, now);
  }
  flushStatus(
    projectId: string,
    name: string,
    status: 'completed' | 'failed',
    now: number,
  ): Promise<number | null> {
    return this.write('flushStatus', projectId, name, status, now);
  }
  publish(
    projectId: string,
    topic: string,
    list: NewMessage[],
    now: number,
  ): Promise<Record<string, string[]>> {
    return this.write('publish', projectId, topic, list, now);
  }

  // ---- SQS ----
  countMessages(projectId: string, name: string, now: number): Promise<MessageCounts | null> {
    return this.read('countMessages', projectId, name, now);
  }
  listDeadLetterSources(
    projectId: string,
    name: string,
    options: { after: string; limit: number },
  ): Promise<string[]> {
    return this.read('listDeadLetterSources', projectId, name, options);
  }
  addSqsKey(key: Omit<SqsKey, 'revokedAt'>): Promise<void> {
    return this.write('addSqsKey', key);
  }
  getSqsKey(accessKeyId: string): Promise<SqsKey | null> {
    return this.read('getSqsKey', accessKeyId);
  }
  listSqsKeys(projectId?: string): Promise<SqsKey[]> {
    return this.read('listSqsKeys', projectId);
  }
  revokeSqsKey(accessKeyId: string, now: number): Promise<boolean> {
    return this.write('revokeSqsKey', accessKeyId, now);
  }

  // ---- activity over time ----
  recordActivity(batch: ActivityBatch): Promise<void> {
    return this.write('recordActivity', batch);
  }
  readActivity(request: ActivityRequest): Promise<ProjectActivity | null> {
    return this.read('readActivity', request);
  }

  // ---- dead letters ----
  redriveMessages(request: RedriveRequest): Promise<RedriveResult | QueueMissing> {
    return this.write('redriveMessages', request);
  }
  deadLetterSources(projectId: string, name: string, now: number): Promise<DeadLetterSources | null> {
    return this.read('deadLetterSources', projectId, name, now);
  }
  queueHealth(queues: readonly QueueRef[]): Promise<QueueHealth[]> {
    return this.read('queueHealth', queues);
  }

  close(): Promise<void> {
    return (this.closed ??= (async () => {
      await this.writer?.close();
      // Fold the WAL back into the main file so the data file alone is complete after shutdown. On a full or
      // read-only disk this cannot be done; the WAL keeps every commit and the next open replays it.
      try {
        this.ctx.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // nothing lost: see above
      }
      this.ctx.db.close();
    })());
  }

  private write<K extends WriteName>(
    name: K,
    ...args: ArgsOf<(typeof WRITES)[K]>
  ): Promise<ReturnType<(typeof WRITES)[K]>> {
    if (this.closed || !this.writer) return Promise.reject(new StoreUnavailable('The store is closed'));
    return this.writer.submit({ name, args }) as Promise<ReturnType<(typeof WRITES)[K]>>;
  }

  private read<K extends ReadName>(
    name: K,
    ...args: ArgsOf<(typeof READS)[K]>
  ): Promise<ReturnType<(typeof READS)[K]>> {
    if (this.closed) return Promise.reject(new StoreUnavailable('The store is closed'));
    try {
      const operation = READS[name] as (ctx: SqliteContext, ...rest: unknown[]) => unknown;
      return Promise.resolve(operation(this.ctx, ...args) as ReturnType<(typeof READS)[K]>);
    } catch (error) {
      return Promise.reject(mapStoreError(error));
    }
  }
}
