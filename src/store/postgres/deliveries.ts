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
} from '../rows';
import type { AckRequest, ClaimRequest, DeliveryOutcome, RecordedDelivery } from '../store';
import { row, rows, run, type PgContext } from './context';
import { queueRow } from './lookups';
import { SQL } from './statements';
import { append, changeSize, queueOrCreate } from './write-primitives';

/** Push deliveries: leases for dispatchers on any node, recorded attempts and acknowledgements, statuses. */

interface DueDeliveryRow extends DeliveryRow {
  body: string;
  push_headers: string | null;
  project_id: string;
  queue_name: string;
}

const MAX_CLAIM_PASSES = 20;
const CLAIM_WINDOW_FACTOR = 10;
/** The transaction-level advisory lock that orders claims over every node (an arbitrary, fixed key). */
const CLAIM_LOCK_KEY = 0x46_45_52_01;

export async function claimDeliveries(ctx: PgContext, request: ClaimRequest): Promise<DeliveryTask[]> {
  // Claims run one at a time over every node: the in-flight counts below include every other node's leases.
  await rows(ctx, SQL.claimLock, [CLAIM_LOCK_KEY]);
  const inFlight = new Map<number, number>();
  for (const each of await rows<{ queue_id: number; n: number }>(ctx, SQL.leasedPerQueue, [request.now])) {
    inFlight.set(each.queue_id, each.n);
  }
  const saturated = () =>
    [...inFlight].filter(([, n]) => n >= request.perQueueLimit).map(([queueId]) => queueId);
  const tasks: DeliveryTask[] = [];
  const leased = new Set<string>();
  for (let pass = 0; pass < MAX_CLAIM_PASSES && tasks.length < request.limit; pass++) {
    const window = Math.min((request.limit - tasks.length) * CLAIM_WINDOW_FACTOR, 1000);
    const due = await rows<DueDeliveryRow>(ctx, SQL.dueDeliveries, [request.now, saturated(), window]);
    const before = tasks.length;
    for (const each of due) {
      if (tasks.length >= request.limit) break;
      const key = `${each.message_id}\u0000${each.subscriber}`;
      if (leased.has(key)) continue;
      const busy = inFlight.get(each.queue_id) ?? 0;
      if (busy >= request.perQueueLimit) continue;
      inFlight.set(each.queue_id, busy + 1);
      leased.add(key);
      await run(ctx, SQL.leaseDelivery, [request.now + request.leaseMs, each.message_id, each.subscriber]);
      tasks.push(toTask(each));
    }
    if (tasks.length === before) break;
  }
  return tasks;
}

function toTask(r: DueDeliveryRow): DeliveryTask {
  return {
    messageId: String(r.message_id),
    subscriber: r.subscriber,
    url: r.url,
    headers: JSON.parse(r.headers) as Record<string, string>,
    body: r.body,
    pushHeaders: parseHeaders(r.push_headers),
    projectId: r.project_id,
    queueName: r.queue_name,
    tries: r.tries,
    holdExpired: holdExpired({
      status: r.status as RoundDelivery['status'],
      retriesRemaining: r.retries_remaining,
    }),
  };
}

export async function recordDelivery(
  ctx: PgContext,
  outcome: DeliveryOutcome,
): Promise<RecordedDelivery | null> {
  const id = messageIdOf(outcome.messageId);
  if (id === null) return null;
  // The message row's lock orders every attempt and acknowledgement of the message over every node: when two
  // subscribers finish at once, the second sees the first's outcome and exactly one completes the round.
  if (!(await row<MessageRow>(ctx, SQL.lockMessageById, [id]))) return null;
  const found = await row<DeliveryRow>(ctx, SQL.getDelivery, [id, outcome.subscriber]);
  if (!found || deliveryEnded(found.status as RoundDelivery['status'])) return null;
  const queue = (await row<QueueRow>(ctx, SQL.getQueueById, [found.queue_id]))!;
  const push = parseExtra(queue).push;
  const all = await rows<DeliveryRow>(ctx, SQL.messageDeliveries, [id]);
  const before = all.map(toRoundDelivery);
  const { status, deliveries } = applyAttempt(before, {
    type: queue.type === 'unicast' ? 'unicast' : 'multicast',
    retriesDelayMs: (push?.retriesDelay ?? PUSH_LIMITS.defaultRetriesDelay) * 1000,
    subscriber: outcome.subscriber,
    reservationId: outcome.reservationId,
    result: outcome.result,
    now: outcome.now,
  });
  await saveChanged(ctx, id, before, deliveries);
  await run(ctx, SQL.endLease, [id, outcome.subscriber]);
  const done = await finishRound(ctx, queue, id, deliveries, outcome.now, outcome.retentionMs);
  return { status, ...done };
}

export async function ackDelivery(
  ctx: PgContext,
  request: AckRequest,
): Promise<MessageOpFailure | Omit<RecordedDelivery, 'status'>> {
  const queue = await queueRow(ctx, request.projectId, request.name);
  if (!queue) return QUEUE_MISSING;
  const id = messageIdOf(request.messageId) ?? -1;
  if (id >= 0) await rows(ctx, SQL.lockMessageById, [id]);
  const all = await rows<DeliveryRow>(ctx, SQL.messageDeliveries, [id]);
  const mine = all.find((r) => r.subscriber === request.subscriber);
  if (!mine || mine.queue_id !== queue.id) return { kind: 'message_not_found', id: request.messageId };
  const before = all.map(toRoundDelivery);
  const current = before.find((d) => d.subscriber === request.subscriber)!;
  if (!canAcknowledge(current, request.reservationId)) {
    return { kind: 'reservation_mismatch', id: request.messageId };
  }
  const deliveries = before.map((d) => (d === current ? acknowledge(d) : d));
  await saveChanged(ctx, id, before, deliveries);
  return finishRound(ctx, queue, id, deliveries, request.now, request.retentionMs);
}

async function saveChanged(
  ctx: PgContext,
  messageId: number,
  before: readonly RoundDelivery[],
  after: readonly RoundDelivery[],
): Promise<void> {
  for (let i = 0; i < after.length; i++) {
    const d = after[i]!;
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
      continue;
    }
    await run(ctx, SQL.saveDelivery, [
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
    ]);
  }
}

/** When the round is over (domain rule), the message is done, its error report posted, in this transaction. */
async function finishRound(
  ctx: PgContext,
  queue: QueueRow,
  messageId: number,
  deliveries: readonly RoundDelivery[],
  now: number,
  retentionMs: number,
): Promise<{ completed: boolean; errorQueue: string | null }> {
  if (!roundFinished(queue.type as 'multicast' | 'unicast', deliveries)) {
    return { completed: false, errorQueue: null };
  }
  const message = await row<MessageRow>(ctx, SQL.getMessageById, [messageId]);
  if (!message || !isLive(stateName(message.state))) return { completed: false, errorQueue: null };
  await run(ctx, SQL.completeMessage, [STATE.completed, now + retentionMs, now, now, messageId]);
  await changeSize(ctx, queue, -1, 0, now);
  const report = errorReport(
    queue.type as 'multicast' | 'unicast',
    deliveries,
    parseExtra(queue).push?.errorQueue ?? null,
    { id: String(messageId), body: message.body, pushHeaders: parseHeaders(message.push_headers) },
  );
  if (!report) return { completed: true, errorQueue: null };
  const target = await queueOrCreate(ctx, queue.project_id, report.queue, now);
  await append(ctx, target, [{ body: report.body, delay: 0, pushHeaders: null }], now, true);
  return { completed: true, errorQueue: report.queue };
}

export async function listDeliveries(
  ctx: PgContext,
  projectId: string,
  name: string,
  messageId: string,
): Promise<Delivery[] | MessageOpFailure> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return QUEUE_MISSING;
  const id = messageIdOf(messageId) ?? -1;
  const found = (await rows<DeliveryRow>(ctx, SQL.messageDeliveries, [id])).filter(
    (r) => r.queue_id === queue.id,
  );
  if (found.length === 0) return { kind: 'message_not_found', id: messageId };
  return found.map(toDelivery);
}

export async function nextDeliveryAt(ctx: PgContext): Promise<number | null> {
  return (await row<{ at: number | null }>(ctx, SQL.nextDelivery, []))?.at ?? null;
}
