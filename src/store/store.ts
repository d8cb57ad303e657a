import type { MessageOpFailure, QueueMissing } from '../domain/outcomes';
import type { ActivityBucket, ActivityDelta } from '../domain/stats';
import type {
  ConsumerStatus,
  Delivery,
  DeliveryResult,
  DeliveryTask,
  Message,
  MessageCounts,
  MessageRef,
  NewMessage,
  Project,
  PushStatus,
  Queue,
  QueueSettings,
  SqsKey,
  StateCounts,
  TokenInfo,
} from '../domain/types';

export { isFailure, type MessageOpFailure, type QueueMissing } from '../domain/outcomes';
export type { MessageRef } from '../domain/types';

/** The backends Ferrite runs on. */
export type StoreKind = 'sqlite' | 'postgres';

/**
 * The store: high-level atomic operations, not tables. Each method is one transaction in the backend (the SQLite
 * store additionally commits concurrent calls together, see docs/design.md), so a failed call changes nothing.
 * Every method returns a Promise so that a networked backend implements the same contract, and every id is a
 * string. Times are passed in (`now`, ms): a store never reads a clock. The queue rules the store applies inside
 * its transactions (message states, dead letters, alerts, push rounds, topic matching) live in `src/domain/`.
 * `test/store/store-contract.ts` is the contract: every backend passes it unchanged.
 */
export interface Store {
  readonly kind: StoreKind;
  /** Migrations this open applied, in order (empty when the database was up to date). */
  readonly migrationsApplied: readonly string[];

  /**
   * Resolves when the store takes writes now: a write transaction that changes nothing, through the same path as
   * every write. Rejects (StoreUnavailable) when it does not (closed, read-only, disk full, unreachable …).
   */
  ping(): Promise<void>;
  /** Sizes of the backend's storage, in bytes, by part (SQLite: the data file and its WAL). */
  stats(): Promise<StoreStats>;

  // Projects and tokens
  createProject(project: Project): Promise<void>;
  getProject(id: string): Promise<Project | null>;
  listProjects(): Promise<Project[]>;
  addToken(token: NewToken): Promise<void>;
  listTokens(projectId?: string): Promise<TokenInfo[]>;
  /** Marks a token revoked; false when no live token has that id. */
  revokeToken(tokenId: string, now: number): Promise<boolean>;
  /** The project of a live (not revoked) token with this sha256 hash, or null. */
  projectOfTokenHash(tokenHash: string): Promise<string | null>;
  /** A server-wide value, created with `value` when absent (first start); returns the stored one. */
  serverSetting(key: string, value: string): Promise<string>;

  // Queues
  getQueue(projectId: string, name: string): Promise<Queue | null>;
  /**
   * Writes a queue's settings under a condition: `create` only inserts (null when the queue exists), `update`
   * only updates an existing queue, and only while its `version` is still `expectedVersion` when one is given
   * (null otherwise: missing, or changed since it was read), `upsert` does either. Changing a queue's settings
   * increases its version; its counters do not.
   */
  putQueue(request: PutQueueRequest): Promise<{ queue: Queue; created: boolean } | null>;
  /** Deletes a queue and all its messages; false when it did not exist. */
  deleteQueue(projectId: string, name: string): Promise<boolean>;
  /** Queues in name order (binary, i.e. code point order), after `after`, starting with `prefix`. */
  listQueues(projectId: string, options: { prefix: string; after: string; limit: number }): Promise<Queue[]>;
  /** Records activity on a queue (keeps a queue with an idle expiry alive). False when missing. */
  markActive(projectId: string, name: string, now: number): Promise<boolean>;
  /** Deletes queues whose idle expiry passed; returns them. */
  expireIdleQueues(now: number, limit: number): Promise<{ projectId: string; name: string }[]>;
  /** Size and reserved count of up to `limit` queues, over all projects (metrics). */
  queueStats(limit: number): Promise<QueueStat[]>;

  // Messages
  /**
   * Appends messages in order, creating the queue with the default settings when missing. Returns their ids
   * (increasing) and how many push deliveries were queued (one per subscriber of a push queue). A size change
   * that crosses one of the queue's alerts posts the alert message in the same transaction.
   */
  postMessages(projectId: string, name: string, messages: NewMessage[], now: number): Promise<PostResult>;
  /**
   * Reserves up to `n` available messages in id order (timed-out and released ones keep their id, so they come
   * first), each under a new reservation id. Messages over the queue's dead-letter limit are moved there instead.
   * Null when the queue is missing.
   */
  reserveMessages(request: ReserveRequest): Promise<ReserveResult | null>;
  /** Up to `n` messages that a reserve would return now, without reserving them. Null when the queue is missing. */
  peekMessages(projectId: string, name: string, n: number, now: number): Promise<Message[] | null>;
  getMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<Message | QueueMissing | null>;
  /** Deletes every listed message or none of them. */
  deleteMessages(
    projectId: string,
    name: string,
    items: readonly MessageRef[],
    now: number,
  ): Promise<MessageOpFailure | null>;
  /** Removes every message of a queue; false when the queue is missing. */
  clearMessages(projectId: string, name: string, now: number): Promise<boolean>;
  /** Extends a reservation under a new reservation id. */
  touchMessage(request: TouchRequest): Promise<Message | MessageOpFailure>;
  /** Ends a reservation: the message is available again (or scheduled after `delaySeconds`). */
  releaseMessage(request: ReleaseRequest): Promise<MessageOpFailure | null>;
  /** When the next scheduled or reserved message of a queue becomes available, or null. Used by long polls. */
  nextTimerAt(projectId: string, name: string): Promise<number | null>;
  /** Deletes up to `limit` messages whose queue expiration has passed; returns how many, per queue. */
  expireMessages(now: number, limit: number): Promise<ExpiredCounts>;
  /** Applies fired reservation and overdue timers of up to `limit` queues; returns how many queues. */
  applyTimers(now: number, limit: number): Promise<number>;

  // Push deliveries
  /**
   * Leases due deliveries for a dispatcher: each returned task's due time moves to `now + leaseMs`, so a task
   * that is never recorded (crash) is retried after the lease. At most `perQueueLimit` deliveries of a queue are
   * leased at once, counted in the store, so the limit holds over every dispatcher sharing it.
   */
  claimDeliveries(request: ClaimRequest): Promise<DeliveryTask[]>;
  /**
   * Records an attempt: retries, unicast fail-over, 202 holds, and — when every subscriber is done — the
   * message's completion and its error-queue report. Ends the attempt's lease. Null when the delivery no longer
   * exists or already ended.
   */
  recordDelivery(outcome: DeliveryOutcome): Promise<RecordedDelivery | null>;
  /**
   * A subscriber's acknowledgement of a 202 (DELETE message with reservation_id + subscriber_name). Says whether
   * it finished the message, as recordDelivery does.
   */
  ackDelivery(request: AckRequest): Promise<MessageOpFailure | Omit<RecordedDelivery, 'status'>>;
  /** Push statuses of a message, in subscriber order. */
  listDeliveries(projectId: string, name: string, messageId: string): Promise<Delivery[] | MessageOpFailure>;
  /** The earliest due time of any delivery, or null: when a dispatcher must wake next. */
  nextDeliveryAt(): Promise<number | null>;

  // Consumers (the CrimsonQ model on the same queues)
  /** Messages per CrimsonQ status, after applying fired timers. Null when the queue is missing. */
  countStates(projectId: string, name: string, now: number): Promise<StateCounts | null>;
  /** Messages in one CrimsonQ status, oldest first, at most `limit`. */
  listStatus(
    projectId: string,
    name: string,
    status: ConsumerStatus,
    now: number,
    limit: number,
  ): Promise<Message[] | null>;
  /** CrimsonQ complete: an active or delayed (overdue) message is completed (kept when the queue retains). */
  completeMessage(projectId: string, name: string, id: string, now: number): Promise<MessageOpFailure | null>;
  /** CrimsonQ fail: a pending, active or delayed message becomes failed with `error`. */
  failMessage(
    projectId: string,
    name: string,
    id: string,
    error: string,
    now: number,
  ): Promise<MessageOpFailure | null>;
  /** Failed → available at its old place (the front). `id` null: every failed message. Returns how many. */
  retryFailed(
    projectId: string,
    name: string,
    id: string | null,
    now: number,
  ): Promise<number | MessageOpFailure>;
  /** Deletes one message if it is in `status`. */
  deleteInStatus(
    projectId: string,
    name: string,
    id: string,
    status: ConsumerStatus,
    now: number,
  ): Promise<MessageOpFailure | null>;
  /** Deletes every completed or failed message. Null when the queue is missing. */
  flushStatus(
    projectId: string,
    name: string,
    status: 'completed' | 'failed',
    now: number,
  ): Promise<number | null>;
  /**
   * Appends `messages` to every queue of the project whose topic filters match `topic` — one copy per queue,
   * all in one transaction. Routing is read from the store (never from a cache only one process updates).
   * Returns the ids per queue name.
   */
  publish(
    projectId: string,
    topic: string,
    messages: NewMessage[],
    now: number,
  ): Promise<Record<string, string[]>>;

  // SQS (README "SQS API": everything else SQS does maps onto the operations above)
  /** A queue's live messages as a receive sees them at `now` (SQS's Approximate* counts). Null when missing. */
  countMessages(projectId: string, name: string, now: number): Promise<MessageCounts | null>;
  /**
   * Names of the project's queues whose dead-letter queue is `name` (SQS ListDeadLetterSourceQueues), in name
   * order (code points), after `after`, at most `limit`.
   */
  listDeadLetterSources(
    projectId: string,
    name: string,
    options: { after: string; limit: number },
  ): Promise<string[]>;
  /** Stores a new SigV4 access key of a project (`ferrite sqs-key create`). */
  addSqsKey(key: Omit<SqsKey, 'revokedAt'>): Promise<void>;
  /** A key by its access key id, revoked or not; null when there is none. */
  getSqsKey(accessKeyId: string): Promise<SqsKey | null>;
  /** Every key (of one project when given), oldest first. */
  listSqsKeys(projectId?: string): Promise<SqsKey[]>;
  /** Marks a key revoked; false when no live key has that id. */
  revokeSqsKey(accessKeyId: string, now: number): Promise<boolean>;

  // Activity over time (GET …/stats): counted in memory by the engine, kept here in buckets
  /**
   * Adds counts gathered in memory to the queues' activity buckets, in one transaction: each delta's counts go
   * to its one-minute bucket and to the ten-minute bucket that holds it; the size of every queue whose size
   * changed since its last sample (whatever changed it) is written into its buckets that hold `now`; buckets
   * past their window (two hours of minutes, a day and ten minutes of ten-minute buckets) are deleted. Counts of
   * queues that no longer exist are dropped.
   */
  recordActivity(batch: ActivityBatch): Promise<void>;
  /**
   * The stored activity buckets, at `resolution` seconds (60 or 600), starting at `since` or later, oldest
   * first: of the queue `name`, or (`name` null) of every queue of the project that has buckets in the window.
   * Each queue comes with its last size sampled before the window and its size now; `restSize` sums the sizes
   * of the project's other queues. Null when the named queue is missing.
   */
  readActivity(request: ActivityRequest): Promise<ProjectActivity | null>;

  // Dead letters
  /**
   * Moves messages out of queue `name` (a dead-letter queue), oldest first, at most `limit`, starting after
   * the message id `after`: each one that is available or delayed goes to `to`, or (`to` null) back to the
   * queue it was dead-lettered from (`fallback` when that is not known). Each arrives available at once with
   * `reserved_count` 0, its id kept in a pull queue (a push queue receives a copy with its deliveries, as a
   * dead letter does). A message whose target does not exist (or is unknown) stays and is counted as skipped.
   * Counters move and alerts are evaluated as for any move. One transaction; `QueueMissing` when `name` is.
   */
  redriveMessages(request: RedriveRequest): Promise<RedriveResult | QueueMissing>;
  /**
   * Where the dead letters of queue `name` come from: the project's queues whose dead-letter queue it is, and
   * how many of its messages a redrive can move now (available or delayed), per queue of origin (null: not
   * known, e.g. dead-lettered before origins were recorded, or posted there directly). Null when missing.
   */
  deadLetterSources(projectId: string, name: string, now: number): Promise<DeadLetterSources | null>;
  /**
   * For metrics, per queue asked for (in the same order): when its oldest message not yet deleted (available,
   * delayed or reserved) was posted, null when it has none or is missing; and how many dead letters that came
   * from it sit in any queue of its project (available, delayed or reserved).
   */
  queueHealth(queues: readonly QueueRef[]): Promise<QueueHealth[]>;

  /** Called once per alert fired by a committed write (alerts are evaluated inside the store's transactions). */
  onAlertFired(listener: (alert: FiredAlert) => void): void;

  /** Closes the store; pending operations are committed first. */
  close(): Promise<void>;
}

/** A queue named by its project and name. */
export interface QueueRef {
  projectId: string;
  name: string;
}

export interface ActivityBatch {
  /** Counts per queue and minute, as the engine gathered them (the ten-minute buckets are derived). */
  deltas: readonly ActivityDelta[];
  now: number;
}

export interface ActivityRequest {
  projectId: string;
  /** One queue, or null for every queue of the project with buckets in the window. */
  name: string | null;
  /** Bucket length in seconds: 60 or 600. */
  resolution: number;
  /** The first bucket start wanted (ms). */
  since: number;
}

export interface QueueActivity {
  name: string;
  /** Stored buckets in the window, oldest first; missing buckets had no activity. */
  buckets: ActivityBucket[];
  /** The last size sampled before the window, null when none is kept. */
  sizeBefore: number | null;
  /** The queue's size now. */
  size: number;
}

export interface ProjectActivity {
  queues: QueueActivity[];
  /** The summed size now of the project's queues not in `queues` (0 for a one-queue request). */
  restSize: number;
}

export interface RedriveRequest {
  projectId: string;
  /** The queue the messages leave (a dead-letter queue). */
  name: string;
  /** Where every message goes; null: back to the queue each one was dead-lettered from. */
  to: string | null;
  /** Where messages of unknown origin go when `to` is null; null: they stay. */
  fallback: string | null;
  /** Most messages looked at by this call. */
  limit: number;
  /** Look only at messages after this id (the last one the previous call looked at); null: from the oldest. */
  after: string | null;
  now: number;
}

export interface RedriveResult {
  /** Ids moved, per queue they went to, in the order they were moved. */
  moved: { queue: string; ids: string[] }[];
  /** Messages looked at that stayed: their target is unknown or no longer exists. */
  skipped: number;
  /** The last message id looked at (the next call's `after`); null when none was. */
  last: string | null;
  /** True when no message after `last` is left to look at. */
  done: boolean;
}

export interface DeadLetterSources {
  /** The project's queues that send their dead letters to this one, in name order. */
  configured: string[];
  /** Messages a redrive can move now, per queue of origin (null: not known), origin names in order, null last. */
  origins: { queue: string | null; count: number }[];
}

export interface QueueHealth {
  /** When the oldest message not yet deleted was posted (ms); null when none. */
  oldestAt: number | null;
  /** Dead letters from this queue sitting in its project's queues. */
  deadLetters: number;
}

export interface StoreStats {
  /** Bytes by part of the storage, e.g. `{ data, wal }` for SQLite. */
  bytes: Record<string, number>;
  /** How the backend's group commits went since it opened, when it commits in groups. */
  commits?: CommitCounters;
}

/** Group commits since the store opened: how many, how many writes they held, how long they took. */
export interface CommitCounters {
  /** Transactions committed (or attempted). */
  groups: number;
  /** Writes they held. */
  writes: number;
  /** Time in whole groups (every write and the COMMIT), and the longest one, in ms. */
  flushMs: number;
  maxFlushMs: number;
  /** Time in COMMIT alone (the WAL write and its fsync), and the longest one, in ms. */
  commitMs: number;
  maxCommitMs: number;
}

export interface QueueStat {
  projectId: string;
  name: string;
  size: number;
  reserved: number;
}

export interface NewToken {
  id: string;
  projectId: string;
  tokenHash: string;
  name: string;
  createdAt: number;
}

export interface PutQueueRequest {
  projectId: string;
  name: string;
  settings: QueueSettings;
  now: number;
  mode: 'create' | 'update' | 'upsert';
  /** For `update`: write only while the queue's version is still this one (compare-and-set). */
  expectedVersion?: number | undefined;
}

export interface ReserveRequest {
  projectId: string;
  name: string;
  n: number;
  /** Reservation length in seconds; null: the queue's message_timeout. */
  timeoutSeconds: number | null;
  /** Remove the messages as they are reserved (IronMQ `delete: true`). */
  deleteOnReserve: boolean;
  now: number;
}

export interface FiredAlert {
  projectId: string;
  queue: string;
  alertId: string;
  size: number;
}

export interface PostResult {
  ids: string[];
  deliveries: number;
}

export interface ReserveResult {
  messages: Message[];
  /** Messages moved to the dead-letter queue by this reserve instead of being returned. */
  deadLettered: number;
  /** True when the queue is a push queue: nothing was reserved. */
  pushQueue: boolean;
  /** True when the queue's max_in_flight left no room (CrimsonQ concurrency). */
  atCapacity: boolean;
}

export interface ClaimRequest {
  now: number;
  /** Most deliveries to lease (the dispatcher's free slots). */
  limit: number;
  leaseMs: number;
  /** Most deliveries of one queue leased at once, over every dispatcher. */
  perQueueLimit: number;
}

export interface DeliveryOutcome {
  messageId: string;
  subscriber: string;
  /** The Iron-Reservation-Id sent with this attempt (a 202 is acknowledged with it). */
  reservationId: string;
  result: DeliveryResult;
  now: number;
  /** How long a finished push message stays readable for its push statuses. */
  retentionMs: number;
}

export interface RecordedDelivery {
  status: PushStatus;
  /** The message is done (delivered, or out of retries everywhere). */
  completed: boolean;
  /** The error queue that received a report, if any. */
  errorQueue: string | null;
}

export interface AckRequest {
  projectId: string;
  name: string;
  messageId: string;
  subscriber: string;
  reservationId: string;
  now: number;
  retentionMs: number;
}

export interface ExpiredCounts {
  total: number;
  byQueue: { projectId: string; name: string; count: number }[];
}

export interface TouchRequest {
  projectId: string;
  name: string;
  id: string;
  reservationId: string;
  newReservationId: string;
  /** Null: the queue's message_timeout. */
  timeoutSeconds: number | null;
  now: number;
}

export interface ReleaseRequest {
  projectId: string;
  name: string;
  id: string;
  reservationId: string;
  delaySeconds: number;
  now: number;
}
