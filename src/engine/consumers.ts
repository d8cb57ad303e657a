import {
  LIST_LIMIT,
  checkConsumerId,
  concurrencyOf,
  consumerSettings,
  type ConsumerInfo,
} from '../domain/consumers';
import { ConcurrencyExceeded, ConsumerExists, InvalidInput, QueueNotFound } from '../domain/errors';
import { isFailure, raise } from '../domain/outcomes';
import { normalizeFilters } from '../domain/topics';
import type { ConsumerStatus, Message, NewMessage, StateCounts } from '../domain/types';
import { queueKey } from '../store/wakeups';
import type { EngineDeps } from './deps';
import { postMessages } from './messages';
import { changeQueue, getQueue } from './queues';

export async function createConsumer(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  topics: string[],
  concurrency: number,
): Promise<void> {
  checkConsumerId(consumerId);
  const result = await deps.store.putQueue({
    projectId,
    name: consumerId,
    settings: consumerSettings(deps.consumerDefaults, topics, concurrency),
    now: deps.clock.now(),
    mode: 'create',
  });
  if (!result) throw new ConsumerExists(consumerId);
}

export async function destroyConsumer(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
): Promise<void> {
  if (!(await deps.store.deleteQueue(projectId, consumerId))) throw new QueueNotFound(consumerId);
}

export async function consumerInfo(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
): Promise<ConsumerInfo | null> {
  const queue = await deps.store.getQueue(projectId, consumerId);
  if (!queue || queue.type !== 'pull') return null;
  return {
    consumerId: queue.name,
    topics: queue.topics,
    lastActive: queue.lastActiveAt || queue.createdAt,
    concurrency: queue.maxInFlight,
  };
}

/** Every pull queue of the project is a consumer (push queues deliver, they are not pulled from). */
export async function listConsumers(deps: EngineDeps, projectId: string): Promise<string[]> {
  const names: string[] = [];
  let after = '';
  // Bounded: 1,000 pages of 100.
  for (let page = 0; page < 1000; page++) {
    const queues = await deps.store.listQueues(projectId, { prefix: '', after, limit: 100 });
    for (const queue of queues) if (queue.type === 'pull') names.push(queue.name);
    if (queues.length < 100) break;
    after = queues[queues.length - 1]!.name;
  }
  return names;
}

export async function setConcurrency(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  concurrency: number,
): Promise<void> {
  const value = concurrencyOf(concurrency);
  await changeQueue(deps, projectId, consumerId, (queue) => {
    // Only a pull queue is a consumer; max_in_flight on a push queue is refused on the IronMQ side too.
    if (queue.type !== 'pull') throw new QueueNotFound(consumerId);
    return { ...queue, maxInFlight: value };
  });
  // More room: parked long polls may now take messages.
  deps.wakeups.notify(queueKey(projectId, consumerId), value || 1);
}

/** Whether a pull would be allowed now (CrimsonQ consumer.concurrency.ok). */
export async function concurrencyOk(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
): Promise<boolean> {
  const queue = await getQueue(deps, projectId, consumerId);
  if (queue.maxInFlight === 0) return true;
  const counts = await statusCounts(deps, projectId, consumerId, false);
  return counts.active < queue.maxInFlight;
}

export async function setTopics(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  topics: string[],
): Promise<void> {
  const filters = normalizeFilters(topics);
  await changeQueue(deps, projectId, consumerId, (queue) => ({ ...queue, topics: filters }));
}

/** Counts per status. `keepAlive`: CrimsonQ's msg.counts is the REST keep-alive. */
export async function statusCounts(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  keepAlive = true,
): Promise<StateCounts> {
  const now = deps.clock.now();
  const counts = await deps.store.countStates(projectId, consumerId, now);
  if (!counts) throw new QueueNotFound(consumerId);
  if (keepAlive) await deps.store.markActive(projectId, consumerId, now);
  return counts;
}

export async function listStatus(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  status: ConsumerStatus,
): Promise<Message[]> {
  const messages = await deps.store.listStatus(projectId, consumerId, status, deps.clock.now(), LIST_LIMIT);
  if (!messages) throw new QueueNotFound(consumerId);
  return messages;
}

/** `<status>:<id>` for every message, grouped active, completed, delayed, failed, pending (CrimsonQ's order). */
export async function messageKeys(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
): Promise<string[]> {
  const keys: string[] = [];
  for (const status of ['active', 'completed', 'delayed', 'failed', 'pending'] as const) {
    for (const message of await listStatus(deps, projectId, consumerId, status))
      keys.push(`${status}:${message.id}`);
  }
  return keys;
}

/** CrimsonQ pull: one pending message becomes active, or null; at the concurrency cap, an error. */
export async function pull(deps: EngineDeps, projectId: string, consumerId: string): Promise<Message | null> {
  const now = deps.clock.now();
  const result = await deps.store.reserveMessages({
    projectId,
    name: consumerId,
    n: 1,
    timeoutSeconds: null,
    deleteOnReserve: false,
    now,
  });
  if (!result) throw new QueueNotFound(consumerId);
  // A refused pull still counts as activity, as in CrimsonQ.
  if (result.atCapacity) {
    await deps.store.markActive(projectId, consumerId, now);
    throw new ConcurrencyExceeded();
  }
  if (result.pushQueue) return null;
  const message = result.messages[0] ?? null;
  if (message) deps.events.emit('messages:reserved', { projectId, queue: consumerId, count: 1 });
  return message;
}

async function messageOp(
  deps: EngineDeps,
  consumerId: string,
  operation: (now: number) => ReturnType<EngineDeps['store']['completeMessage']>,
): Promise<void> {
  const failure = await operation(deps.clock.now());
  if (failure) raise(failure, consumerId);
}

export async function complete(deps: EngineDeps, projectId: string, consumerId: string, id: string) {
  await messageOp(deps, consumerId, (now) => deps.store.completeMessage(projectId, consumerId, id, now));
  deps.events.emit('messages:deleted', { projectId, queue: consumerId, count: 1 });
  deps.wakeups.notify(queueKey(projectId, consumerId), 1);
}

export async function fail(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  id: string,
  error: string,
) {
  await messageOp(deps, consumerId, (now) => deps.store.failMessage(projectId, consumerId, id, error, now));
  deps.wakeups.notify(queueKey(projectId, consumerId), 1);
}

/** Failed messages back to pending at their old place (the front). `id` null: all of them. */
export async function retry(deps: EngineDeps, projectId: string, consumerId: string, id: string | null) {
  const result = await deps.store.retryFailed(projectId, consumerId, id, deps.clock.now());
  if (isFailure(result)) raise(result, consumerId);
  deps.wakeups.notify(queueKey(projectId, consumerId), result);
  return result;
}

export async function deleteInStatus(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  status: ConsumerStatus,
  id: string,
) {
  await messageOp(deps, consumerId, (now) =>
    deps.store.deleteInStatus(projectId, consumerId, id, status, now),
  );
}

export async function flush(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  status: 'completed' | 'failed',
): Promise<number> {
  const removed = await deps.store.flushStatus(projectId, consumerId, status, deps.clock.now());
  if (removed === null) throw new QueueNotFound(consumerId);
  return removed;
}

/** CrimsonQ msg.push.consumer: posts one message; returns its id (CrimsonQ did not). */
export async function pushToConsumer(
  deps: EngineDeps,
  projectId: string,
  consumerId: string,
  body: string,
): Promise<string> {
  if (!(await deps.store.getQueue(projectId, consumerId))) throw new QueueNotFound(consumerId);
  const [id] = await postMessages(deps, projectId, consumerId, [{ body, delay: 0, pushHeaders: null }]);
  return id!;
}

/**
 * Publishes messages to every queue of the project subscribed to `topic`: one copy per queue, in one
 * transaction. Returns the ids per queue (empty when nothing matched).
 */
export async function publish(
  deps: EngineDeps,
  projectId: string,
  topic: string,
  messages: NewMessage[],
): Promise<Record<string, string[]>> {
  if (topic.length === 0 || topic.length > 512) throw new InvalidInput('topic must be 1 to 512 characters');
  if (messages.length === 0 || messages.length > 100)
    throw new InvalidInput('messages must hold 1 to 100 messages');
  for (const [i, message] of messages.entries()) {
    if (Buffer.byteLength(message.body) > deps.maxMessageBytes) {
      throw new InvalidInput(`messages[${i}].body is larger than ${deps.maxMessageBytes} bytes`);
    }
  }
  const ids = await deps.store.publish(projectId, topic, messages, deps.clock.now());
  for (const [queue, queued] of Object.entries(ids)) {
    deps.wakeups.notify(queueKey(projectId, queue), queued.length);
    deps.events.emit('messages:posted', { projectId, queue, count: queued.length, ids: queued });
    deps.events.emit('push:queued', { projectId, queue, count: queued.length });
  }
  return ids;
}
