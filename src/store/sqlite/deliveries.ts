import { PUSH_LIMITS } from '../../domain/push';
import {
  acknowledge,
  applyAttempt,
  canAcknowledge,
  deliveryEnded,
  errorReport,
  holdExpired,
  roundFinished,
  type RoundDelivery,
} from '../../domain/push-rounds';
import { isLive } from '../../domain/message-states';
import { QUEUE_MISSING, type MessageOpFailure } from '../../domain/outcomes';
import type { Delivery, DeliveryTask } from '../../domain/types';
import type { AckRequest, ClaimRequest, DeliveryOutcome, RecordedDelivery } from '../store';
import type { SqliteContext } from './context';
import { queueRow } from './lookups';
import {
  STATE,
  messageIdOf,
  parseExtra,
  parseHeaders,
  stateName,
  toDelivery,
  toRoundDelivery,
  type DeliveryRow,
  type MessageRow,
  type QueueRow,
} from './rows';
import { append, changeSize, targetQueue } from './write-primitives';

/** Push deliveries: leases for dispatchers, recorded attempts and acknowledgements, push statuses. */

interface DueDeliveryRow extends DeliveryRow {
  body: string;
  push_headers: string | null;
  project_id: string;
  queue_name: string;
}

/** Most claim passes per call: each leases at least one delivery or ends the loop. */
const MAX_CLAIM_PASSES = 20;
/** Candidate rows read per lease wanted, so a few saturated queues do not starve the claim (at most 1,000). */
const CLAIM_WINDOW_FACTOR = 10;

export function claimDeliveries(ctx: SqliteContext, request: ClaimRequest): DeliveryTask[] {
  // Deliveries in flight per queue, from the leases in the database: the limit holds over every dispatcher.
  const inFlight = new Map<number, number>();
  for (const row of ctx.sql.leasedPerQueue.all(request.now) as { queue_id: number; n: number }[]) {
    inFlight.set(row.queue_id, row.n);
  }
  const saturated = () =>
    JSON.stringify([...inFlight].filter(([, n]) => n >= request.perQueueLimit).map(([queueId]) => queueId));
  const tasks: DeliveryTask[] = [];
  // Queues at their in-flight limit are left out of the query, so a backlog on one slow queue cannot fill
  // the window and hide the others' due deliveries. A queue that fills up during a pass is left out of the
  // next one.
  for (let pass = 0; pass < MAX_CLAIM_PASSES && tasks.length < request.limit; pass++) {
    const window = Math.min((request.limit - tasks.length) * CLAIM_WINDOW_FACTOR, 1000);
    const rows = ctx.sql.dueDeliveries.all(request.now, saturated(), window) as DueDeliveryRow[];
    const before = tasks.length;
    for (const row of rows) {
      if (tasks.length >= request.limit) break;
      const busy = inFlight.get(row.queue_id) ?? 0;
      if (busy >= request.perQueueLimit) continue;
      inFlight.set(row.queue_id, busy + 1);
      const leaseEnd = request.now + request.leaseMs;
      ctx.sql.leaseDelivery.run(leaseEnd, leaseEnd, row.message_id, row.subscriber);
      tasks.push(toTask(row));
    }
    if (tasks.length === before) break;
  }
  return tasks;
}

function toTask(row: DueDeliveryRow): DeliveryTask {
  return {
    messageId: String(row.message_id),
    subscriber: row.subscriber,
    url: row.url,
    headers: JSON.parse(row.headers) as Record<string, string>,
    body: row.body,
    pushHeaders: parseHeaders(row.push_headers),
    projectId: row.project_id,
    queueName: row.queue_name,
    tries: row.tries,
    holdExpired: holdExpired({
      status: row.status as RoundDelivery['status'],
      retriesRemaining: row.retries_remaining,
    }),
  };
}

export function recordDelivery(ctx: SqliteContext, outcome: DeliveryOutcome): RecordedDelivery | null {
  const id = messageIdOf(outcome.messageId);
  if (id === null) return null;
  const row = ctx.sql.getDelivery.get(id, outcome.subscriber) as DeliveryRow | undefined;
  if (!row || deliveryEnded(row.status as RoundDelivery['status'])) return null;
  const queue = ctx.sql.getQueueById.get(row.queue_id) as QueueRow;
  const push = parseExtra(queue).push;
  const rows = ctx.sql.messageDeliveries.all(id) as DeliveryRow[];
  const before = rows.map(toRoundDelivery);
  const { status, deliveries } = applyAttempt(before, {
    type: queue.type === 'unicast' ? 'unicast' : 'multicast',
    retriesDelayMs: (push?.retriesDelay ?? PUSH_LIMITS.defaultRetriesDelay) * 1000,
    subscriber: outcome.subscriber,
    reservationId: outcome.reservationId,
    result: outcome.result,
    now: outcome.now,
  });
  saveChanged(ctx, id, before, deliveries);
  ctx.sql.endLease.run(id, outcome.subscriber);
  const done = finishRound(ctx, queue, id, deliveries, outcome.now, outcome.retentionMs);
  return { status, ...done };
}

export function ackDelivery(
  ctx: SqliteContext,
  request: AckRequest,
): MessageOpFailure | Omit<RecordedDelivery, 'status'> {
  const queue = queueRow(ctx, request.projectId, request.name);
  if (!queue) return QUEUE_MISSING;
  const id = messageIdOf(request.messageId) ?? -1;
  const rows = ctx.sql.messageDeliveries.all(id) as DeliveryRow[];
  const row = rows.find((r) => r.subscriber === request.subscriber);
  if (!row || row.queue_id !== queue.id) return { kind: 'message_not_found', id: request.messageId };
  const before = rows.map(toRoundDelivery);
  const current = before.find((d) => d.subscriber === request.subscriber)!;
  if (!canAcknowledge(current, request.reservationId)) {
    return { kind: 'reservation_mismatch', id: request.messageId };
  }
  const deliveries = before.map((d) => (d === current ? acknowledge(d) : d));
  saveChanged(ctx, id, before, deliveries);
  return finishRound(ctx, queue, id, deliveries, request.now, request.retentionMs);
}

/** Writes the deliveries an attempt or acknowledgement changed. */
function saveChanged(
  ctx: SqliteContext,
  messageId: number,
  before: readonly RoundDelivery[],
  after: readonly RoundDelivery[],
): void {
  after.forEach((d, i) => {
    const old = before[i]!;
    if (
      d.status === old.status &&
      d.statusCode === old.statusCode &&
      d.error === old.error &&
      d.tries === old.tries &&
      d.retriesRemaining === old.retriesRemaining &&
      d.dueAt === old.dueAt &&
      d.lastTryAt === old.lastTryAt &&
      d.reservationId === old.reservationId
    ) {
      return;
    }
    ctx.sql.saveDelivery.run(
      d.status,
      d.statusCode,
      d.error,
      d.tries,
      d.retriesRemaining,
      d.dueAt,
      d.lastTryAt,
      d.reservationId,
      messageId,
      d.subscriber,
    );
  });
}

/**
 * When the round is over (domain rule), the message is done: it leaves `size` (kept, for its push statuses,
 * until the retention ends), and failed subscribers are reported to the error queue, in this transaction.
 */
function finishRound(
  ctx: SqliteContext,
  queue: QueueRow,
  messageId: number,
  deliveries: readonly RoundDelivery[],
  now: number,
  retentionMs: number,
): { completed: boolean; errorQueue: string | null } {
  if (!roundFinished(queue.type as 'multicast' | 'unicast', deliveries)) {
    return { completed: false, errorQueue: null };
  }
  const message = ctx.sql.getMessageById.get(messageId) as MessageRow | undefined;
  if (!message || !isLive(stateName(message.state))) return { completed: false, errorQueue: null };
  ctx.sql.completeMessage.run(STATE.completed, now + retentionMs, now, now, messageId);
  changeSize(ctx, queue, -1, 0, now);
  const report = errorReport(
    queue.type as 'multicast' | 'unicast',
    deliveries,
    parseExtra(queue).push?.errorQueue ?? null,
    { id: String(messageId), body: message.body, pushHeaders: parseHeaders(message.push_headers) },
  );
  if (!report) return { completed: true, errorQueue: null };
  const target = targetQueue(ctx, queue.project_id, report.queue, now);
  append(ctx, target, [{ body: report.body, delay: 0, pushHeaders: null }], now, true);
  return { completed: true, errorQueue: report.queue };
}

export function listDeliveries(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  messageId: string,
): Delivery[] | MessageOpFailure {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return QUEUE_MISSING;
  const id = messageIdOf(messageId) ?? -1;
  const rows = (ctx.sql.messageDeliveries.all(id) as DeliveryRow[]).filter(
    (row) => row.queue_id === queue.id,
  );
  if (rows.length === 0) return { kind: 'message_not_found', id: messageId };
  return rows.map(toDelivery);
}

export function nextDeliveryAt(ctx: SqliteContext): number | null {
  return (ctx.sql.nextDelivery.get() as number | null | undefined) ?? null;
}
