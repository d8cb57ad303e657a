import { isFailure, raise } from '../domain/outcomes';
import type { EngineDeps } from './deps';
import { LIMITS, checkPushHeaders } from '../domain/limits';
import { postMessages } from './messages';
import type { Delivery } from '../domain/types';

/** GET …/messages/{id}/subscribers: the message's push statuses. */
export async function pushStatuses(
  deps: EngineDeps,
  projectId: string,
  name: string,
  messageId: string,
): Promise<Delivery[]> {
  const result = await deps.store.listDeliveries(projectId, name, messageId);
  if (isFailure(result)) raise(result, name);
  return result;
}

/** DELETE …/messages/{id} with subscriber_name: a subscriber acknowledges the 202 it answered. */
export async function acknowledgePush(
  deps: EngineDeps,
  projectId: string,
  name: string,
  messageId: string,
  subscriber: string,
  reservationId: string,
): Promise<void> {
  const acked = await deps.store.ackDelivery({
    projectId,
    name,
    messageId,
    subscriber,
    reservationId,
    now: deps.clock.now(),
    retentionMs: deps.pushStatusRetentionMs,
  });
  if (isFailure(acked)) raise(acked, name);
  // The acknowledgement may be what finishes the message, as an attempt's outcome is for the dispatcher.
  if (acked.completed) {
    deps.events.emit('push:completed', { projectId, queue: name, messageId, errorQueue: acked.errorQueue });
  }
}

const SUBSCRIBER_HEADER = /^x-subscribers-(.+)$/i;

/**
 * POST …/webhook: the raw body, whatever its type, becomes one message. `X-Subscribers-<Name>` request headers
 * become its push headers; invalid ones are dropped, as IronMQ does ("will be ignored and error will not be raised").
 */
export async function postWebhook(
  deps: EngineDeps,
  projectId: string,
  name: string,
  body: string,
  /** Request headers as [name, value] pairs with their original case (Node's rawHeaders, paired). */
  headers: [string, string][],
): Promise<string[]> {
  const pushHeaders: Record<string, string> = {};
  for (const [key, value] of headers) {
    const match = SUBSCRIBER_HEADER.exec(key);
    if (!match || value === '') continue;
    const headerName = match[1]!;
    if (Object.keys(pushHeaders).length >= LIMITS.maxPushHeaders) continue;
    try {
      // The rules of posted push_headers; a header breaking them is dropped instead of refusing the call.
      checkPushHeaders({ [headerName]: value });
    } catch {
      continue;
    }
    pushHeaders[headerName] = value;
  }
  return postMessages(deps, projectId, name, [
    { body, delay: 0, pushHeaders: Object.keys(pushHeaders).length > 0 ? pushHeaders : null },
  ]);
}
