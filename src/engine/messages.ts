import { isFailure, raise } from '../domain/outcomes';
import type { EngineDeps } from './deps';
import { InvalidInput, MessageNotFound, PayloadTooLarge, QueueNotFound } from '../domain/errors';
import { LIMITS, checkPushHeaders, checkQueueName } from '../domain/limits';
import { queueKey } from '../store/wakeups';
import type { Message, MessageRef, NewMessage } from '../domain/types';

/** Posts 1..100 messages, all or none; creates the queue when missing. Returns ids in request order. */
export async function postMessages(
  deps: EngineDeps,
  projectId: string,
  name: string,
  messages: NewMessage[],
): Promise<string[]> {
  checkQueueName(name);
  if (messages.length === 0) throw new InvalidInput('messages must hold at least one message');
  if (messages.length > LIMITS.maxMessagesPerPost) {
    throw new InvalidInput(`messages may hold at most ${LIMITS.maxMessagesPerPost} messages`);
  }
  messages.forEach((message, i) => {
    if (Buffer.byteLength(message.body, 'utf8') > deps.maxMessageBytes) {
      throw new PayloadTooLarge(`messages[${i}].body is larger than ${deps.maxMessageBytes} bytes`);
    }
    if (message.pushHeaders) checkPushHeaders(message.pushHeaders);
  });
  const { ids, deliveries } = await deps.store.postMessages(projectId, name, messages, deps.clock.now());
  deps.wakeups.notify(queueKey(projectId, name), ids.length);
  deps.events.emit('messages:posted', { projectId, queue: name, count: ids.length, ids });
  if (deliveries > 0) deps.events.emit('push:queued', { projectId, queue: name, count: deliveries });
  return ids;
}

export async function peekMessages(
  deps: EngineDeps,
  projectId: string,
  name: string,
  n: number,
): Promise<Message[]> {
  const messages = await deps.store.peekMessages(projectId, name, n, deps.clock.now());
  if (messages === null) throw new QueueNotFound(name);
  return messages;
}

export async function getMessage(
  deps: EngineDeps,
  projectId: string,
  name: string,
  id: string,
): Promise<Message> {
  const found = await deps.store.getMessage(projectId, name, id, deps.clock.now());
  if (found === null) throw new MessageNotFound(id);
  if (isFailure(found)) raise(found, name);
  return found;
}

/** Deletes one or many messages, all or none. A held message needs its current reservation id. */
export async function deleteMessages(
  deps: EngineDeps,
  projectId: string,
  name: string,
  refs: MessageRef[],
): Promise<void> {
  if (refs.length > LIMITS.maxBatchDelete) {
    throw new InvalidInput(`ids may hold at most ${LIMITS.maxBatchDelete} messages`);
  }
  // The same id named twice is deleted once.
  const unique = [...new Map(refs.map((ref) => [ref.id, ref])).values()];
  const failure = await deps.store.deleteMessages(projectId, name, unique, deps.clock.now());
  if (failure) raise(failure, name);
  deps.events.emit('messages:deleted', { projectId, queue: name, count: unique.length });
  // A freed slot on a queue with max_in_flight lets a parked long poll take a message.
  deps.wakeups.notify(queueKey(projectId, name), unique.length);
}

export async function clearMessages(deps: EngineDeps, projectId: string, name: string): Promise<void> {
  if (!(await deps.store.clearMessages(projectId, name, deps.clock.now()))) throw new QueueNotFound(name);
  deps.events.emit('queue:cleared', { projectId, queue: name });
}
