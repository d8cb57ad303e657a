import pg from 'pg';
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
import { Batcher } from './batch';
import { clientConfig, createPool, type PostgresConnectionOptions } from './connection';
import * as activity from './activity';
import * as consumers from './consumers';
import * as deadLetters from './dead-letters';
import * as deliveries from './deliveries';
import { mapStoreError } from './errors';
import * as fast from './fast-paths';
import * as messages from './messages';
import { migrate } from './migrate';
import { NotificationChannel, type Notice } from './notifications';
import * as projects from './projects';
import * as queues from './queues';
import * as sqs from './sqs';
import { TokenCache } from './token-cache';
import { TopicRoutes } from './topic-routes';
import { Transactions } from './transactions';

export interface PostgresStoreOptions extends PostgresConnectionOptions {
  /** Used to stamp applied migrations. */
  now: number;
  /** LISTEN for other nodes' notices (false: poll mode, for PgBouncer in transaction pooling). */
  listen: boolean;
  /** Tells the node's other parts (wake-ups, caches) what other nodes committed. */
  onNotice?: (notice: Notice) => void;
  /** Logs what the store does on its own (reconnections); never throws. */
  log?: (level: 'warn' | 'info', message: string, meta?: Record<string, unknown>) => void;
}

/**
 * Opens (and migrates) a PostgreSQL store. Several nodes may open the same database at once: the first one
 * migrates, the others wait for it (advisory lock) and find nothing to apply.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const client = new pg.Client(clientConfig(options));
  let applied: string[];
  try {
    await client.connect();
    applied = await migrate(client, options.now);
  } finally {
    await client.end().catch(() => undefined);
  }
  const store = new PostgresStore(options, applied);
  await store.channel.start();
  return store;
}

/**
 * The Store on PostgreSQL. Each operation is a plain async function of its resource's module (queues,
 * messages, deliveries, consumers, projects) run in one transaction on a pooled connection. The hot operations
 * (post, reserve, delete, touch, release) first try a single-statement fast path that concurrent requests share
 * a round trip and a commit through (batch.ts); whatever it does not cover runs the general path, with the same
 * domain rules as the SQLite store. Concurrency between nodes is PostgreSQL's: row locks, SKIP LOCKED, ON
 * CONFLICT (docs/design.md, "Several nodes on PostgreSQL").
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly channel: NotificationChannel;
  /** The node's connections (the maintenance lease draws from them too). */
  readonly pool: pg.Pool;
  private readonly tx: Transactions;
  private readonly batch: Batcher;
  private readonly routes = new TopicRoutes();
  private readonly tokens = new TokenCache();
  private readonly alertListeners: ((alert: FiredAlert) => void)[] = [];
  private closed = false;

  constructor(
    private readonly options: PostgresStoreOptions,
    readonly migrationsApplied: readonly string[] = [],
  ) {
    const log = options.log ?? (() => undefined);
    this.pool = createPool(options, (error) =>
      log('warn', 'database connection lost', { error: error.message }),
    );
    this.channel = new NotificationChannel(options.listen ? clientConfig(options) : null, (notice) =>
      this.received(notice),
    );
    this.tx = new Transactions(this.pool, this.routes, {
      beforeCommit: (invalidations) => this.channel.statementFor(invalidations),
      afterCommit: (fired, invalidations) => {
        this.invalidateLocally(invalidations);
        for (const alert of fired) for (const listener of this.alertListeners) listener(alert);
      },
    });
    this.batch = new Batcher(this.pool, this.channel);
  }

  onAlertFired(listener: (alert: FiredAlert) => void): void {
    this.alertListeners.push(listener);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailable('The store is closed');
    // A write transaction that changes nothing: the database is reachable and not read-only.
    await this.tx.write(async (ctx) => {
      await ctx.db.query({ text: 'SELECT txid_current()' });
    });
  }

  async stats(): Promise<StoreStats> {
    const size = await this.read(async (ctx) => {
      const found = await ctx.db.query<{ bytes: number }>({
        text: 'SELECT pg_database_size(current_database()) AS bytes',
      });
      return found.rows[0]?.bytes ?? 0;
    });
    return { bytes: { database: size } };
  }

  // ---- projects and tokens ----
  createProject(project: Project): Promise<void> {
    return this.write((ctx) => projects.createProject(ctx, project));
  }
  getProject(id: string): Promise<Project | null> {
    return this.read((ctx) => projects.getProject(ctx, id));
  }
  listProjects(): Promise<Project[]> {
    return this.read((ctx) => projects.listProjects(ctx));
  }
  async addToken(token: NewToken): Promise<void> {
    await this.write((ctx) => projects.addToken(ctx, token));
  }
  listTokens(projectId?: string): Promise<TokenInfo[]> {
    return this.read((ctx) => projects.listTokens(ctx, projectId));
  }
  revokeToken(tokenId: string, now: number): Promise<boolean> {
    return this.write((ctx) => projects.revokeToken(ctx, tokenId, now));
  }
  async projectOfTokenHash(tokenHash: string): Promise<string | null> {
    const cached = this.tokens.get(tokenHash);
    if (cached !== undefined) return cached;
    const epoch = this.tokens.epoch;
    const found = await this.read((ctx) => projects.projectOfTokenHash(ctx, tokenHash));
    if (found !== null) this.tokens.set(tokenHash, found, epoch);
    return found;
  }
  serverSetting(key: string, value: string): Promise<string> {
    return this.write((ctx) => projects.serverSetting(ctx, key, value));
  }

  // ---- queues ----
  getQueue(projectId: string, name: string): Promise<Queue | null> {
    return this.read((ctx) => queues.getQueue(ctx, projectId, name));
  }
  putQueue(request: PutQueueRequest): Promise<{ queue: Queue; created: boolean } | null> {
    return this.write((ctx) => queues.putQueue(ctx, request));
  }
  deleteQueue(projectId: string, name: string): Promise<boolean> {
    return this.write((ctx) => queues.deleteQueue(ctx, projectId, name));
  }
  listQueues(projectId: string, options: { prefix: string; after: string; limit: number }): Promise<Queue[]> {
    return this.read((ctx) => queues.listQueues(ctx, projectId, options));
  }
  markActive(projectId: string, name: string, now: number): Promise<boolean> {
    return this.write((ctx) => queues.markActive(ctx, projectId, name, now));
  }
  expireIdleQueues(now: number, limit: number): Promise<{ projectId: string; name: string }[]> {
    return this.write((ctx) => queues.expireIdleQueues(ctx, now, limit));
  }
  queueStats(limit: number): Promise<QueueStat[]> {
    return this.read((ctx) => queues.queueStats(ctx, limit));
  }

  // ---- messages: fast path first, general path when it does not apply ----
  postMessages(projectId: string, name: string, list: NewMessage[], now: number): Promise<PostResult> {
    return this.fastOrGeneral(fast.postMessages(projectId, name, list, now), (ctx) =>
      messages.postMessages(ctx, projectId, name, list, now),
    );
  }
  reserveMessages(request: ReserveRequest): Promise<ReserveResult | null> {
    return this.fastOrGeneral(fast.reserveMessages(request), (ctx) => messages.reserveMessages(ctx, request));
  }
  peekMessages(projectId: string, name: string, n: number, now: number): Promise<Message[] | null> {
    return this.read((ctx) => messages.peekMessages(ctx, projectId, name, n, now));
  }
  getMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<Message | QueueMissing | null> {
    return this.read((ctx) => messages.getMessage(ctx, projectId, name, id, now));
  }
  deleteMessages(
    projectId: string,
    name: string,
    items: readonly MessageRef[],
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.fastOrGeneral(fast.deleteMessages(projectId, name, items, now), (ctx) =>
      messages.deleteMessages(ctx, projectId, name, items, now),
    );
  }
  clearMessages(projectId: string, name: string, now: number): Promise<boolean> {
    return this.write((ctx) => messages.clearMessages(ctx, projectId, name, now));
  }
  touchMessage(request: TouchRequest): Promise<Message | MessageOpFailure> {
    return this.fastOrGeneral(fast.touchMessage(request), (ctx) => messages.touchMessage(ctx, request));
  }
  releaseMessage(request: ReleaseRequest): Promise<MessageOpFailure | null> {
    return this.fastOrGeneral(fast.releaseMessage(request), (ctx) => messages.releaseMessage(ctx, request));
  }
  nextTimerAt(projectId: string, name: string): Promise<number | null> {
    return this.read((ctx) => messages.nextTimerAt(ctx, projectId, name));
  }
  expireMessages(now: number, limit: number): Promise<ExpiredCounts> {
    return this.write((ctx) => messages.expireMessages(ctx, now, limit));
  }
  applyTimers(now: number, limit: number): Promise<number> {
    return this.write((ctx) => messages.applyTimers(ctx, now, limit));
  }

  // ---- SQS ----
  countMessages(projectId: string, name: string, now: number): Promise<MessageCounts | null> {
    return this.read((ctx) => sqs.countMessages(ctx, projectId, name, now));
  }
  listDeadLetterSources(
    projectId: string,
    name: string,
    options: { after: string; limit: number },
  ): Promise<string[]> {
    return this.read((ctx) => sqs.listDeadLetterSources(ctx, projectId, name, options));
  }
  addSqsKey(key: Omit<SqsKey, 'revokedAt'>): Promise<void> {
    return this.write((ctx) => sqs.addSqsKey(ctx, key));
  }
  getSqsKey(accessKeyId: string): Promise<SqsKey | null> {
    return this.read((ctx) => sqs.getSqsKey(ctx, accessKeyId));
  }
  listSqsKeys(projectId?: string): Promise<SqsKey[]> {
    return this.read((ctx) => sqs.listSqsKeys(ctx, projectId));
  }
  revokeSqsKey(accessKeyId: string, now: number): Promise<boolean> {
    return this.write((ctx) => sqs.revokeSqsKey(ctx, accessKeyId, now));
  }

  // ---- push deliveries ----
  claimDeliveries(request: ClaimRequest): Promise<DeliveryTask[]> {
    return this.write((ctx) => deliveries.claimDeliveries(ctx, request));
  }
  recordDelivery(outcome: DeliveryOutcome): Promise<RecordedDelivery | null> {
    return this.write((ctx) => deliveries.recordDelivery(ctx, outcome));
  }
  ackDelivery(request: AckRequest): Promise<MessageOpFailure | Omit<RecordedDelivery, 'status'>> {
    return this.write((ctx) => deliveries.ackDelivery(ctx, request));
  }
  listDeliveries(projectId: string, name: string, messageId: string): Promise<Delivery[] | MessageOpFailure> {
    return this.read((ctx) => deliveries.listDeliveries(ctx, projectId, name, messageId));
  }
  nextDeliveryAt(): Promise<number | null> {
    return this.read((ctx) => deliveries.nextDeliveryAt(ctx));
  }

  // ---- activity over time ----
  async recordActivity(batch: ActivityBatch): Promise<void> {
    await this.write((ctx) => activity.recordActivity(ctx, batch));
  }
  readActivity(request: ActivityRequest): Promise<ProjectActivity | null> {
    return this.read((ctx) => activity.readActivity(ctx, request));
  }

  // ---- dead letters ----
  redriveMessages(request: RedriveRequest): Promise<RedriveResult | QueueMissing> {
    return this.write((ctx) => deadLetters.redriveMessages(ctx, request));
  }
  deadLetterSources(projectId: string, name: string, now: number): Promise<DeadLetterSources | null> {
    return this.read((ctx) => deadLetters.deadLetterSources(ctx, projectId, name, now));
  }
  queueHealth(queues: readonly QueueRef[]): Promise<QueueHealth[]> {
    return this.read((ctx) => deadLetters.queueHealth(ctx, queues));
  }

  // ---- consumers (CrimsonQ) ----
  countStates(projectId: string, name: string, now: number): Promise<StateCounts | null> {
    return this.write((ctx) => consumers.countStates(ctx, projectId, name, now));
  }
  listStatus(
    projectId: string,
    name: string,
    status: ConsumerStatus,
    now: number,
    limit: number,
  ): Promise<Message[] | null> {
    return this.write((ctx) => consumers.listStatus(ctx, projectId, name, status, now, limit));
  }
  completeMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write((ctx) => consumers.completeMessage(ctx, projectId, name, id, now));
  }
  failMessage(
    projectId: string,
    name: string,
    id: string,
    error: string,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write((ctx) => consumers.failMessage(ctx, projectId, name, id, error, now));
  }
  retryFailed(
    projectId: string,
    name: string,
    id: string | null,
    now: number,
  ): Promise<number | MessageOpFailure> {
    return this.write((ctx) => consumers.retryFailed(ctx, projectId, name, id, now));
  }
  deleteInStatus(
    projectId: string,
    name: string,
    id: string,
    status: ConsumerStatus,
    now: number,
  ): Promise<MessageOpFailure | null> {
    return this.write((ctx) => consumers.deleteInStatus(ctx, projectId, name, id, status, now));
  }
  flushStatus(
    projectId: string,
    name: string,
    status: 'completed' | 'failed',
    now: number,
  ): Promise<number | null> {
    return this.write((ctx) => consumers.flushStatus(ctx, projectId, name, status, now));
  }
  publish(
    projectId: string,
    topic: string,
    list: NewMessage[],
    now: number,
  ): Promise<Record<string, string[]>> {
    return this.write((ctx) => consumers.publish(ctx, projectId, topic, list, now));
  }

  /** Announces a wake-up of a queue to every node, with the next commit (batched: one NOTIFY per commit). */
  publishWakeup(key: string, count: number): void {
    if (!this.closed) this.batch.wake(key, count);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.batch.close();
    await this.channel.close();
    await this.pool.end();
  }

  /** What another node committed (or a reconnection, after which anything may have been missed). */
  private received(notice: Notice): void {
    if (notice.kind === 'invalidate') this.invalidateLocally(notice.keys);
    else if (notice.kind === 'reconnected' || notice.kind === 'lost') {
      this.invalidateLocally(new Set(['tokens', 'topics:*']));
    }
    this.options.onNotice?.(notice);
  }

  private invalidateLocally(keys: ReadonlySet<string>): void {
    for (const key of keys) {
      if (key === 'tokens') this.tokens.clear();
      else if (key === 'topics:*') this.routes.forget();
      else if (key.startsWith('topics:')) this.routes.forget(key.slice('topics:'.length));
    }
  }

  private async fastOrGeneral<T>(
    op: fast.FastOperation<T> | null,
    general: (ctx: import('./context').PgContext) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new StoreUnavailable('The store is closed');
    if (op) {
      const answer = await this.batch.submit(op);
      if (answer !== fast.NOT_FAST) return answer;
    }
    return this.tx.write(general);
  }

  private write<T>(operation: (ctx: import('./context').PgContext) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailable('The store is closed'));
    return this.tx.write(operation);
  }

  private read<T>(operation: (ctx: import('./context').PgContext) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailable('The store is closed'));
    return this.tx.read(operation).catch((error: unknown) => Promise.reject(mapStoreError(error)));
  }
}
