import type { Request } from 'express';
import { STATUSES } from '../../domain/consumers';
import { QueueNotFound } from '../../domain/errors';
import { checkQueueName } from '../../domain/limits';
import type { ConsumerStatus } from '../../domain/types';

/**
 * The consumer an operation names (path or body). An empty or impossible id names no consumer: CrimsonQ's
 * `001:incorrect_consumer_id`, not `008`, whatever the engine would say about the name.
 */
export function existingConsumer(id: string): string {
  try {
    checkQueueName(id, 'consumerId');
  } catch {
    throw new QueueNotFound(id);
  }
  return id;
}

/** The consumer id in the path, percent-decoded by Express (CrimsonQ's fiber kept `%xx` as it was). */
export function consumerParam(req: Request): string {
  return existingConsumer(String(req.params.consumerId));
}

/** A message id as the clients send it: our digit string, or a key with its `<status>:` prefix. */
export function messageIdOf(raw: string): string {
  const prefixed = /^(pending|active|delayed|failed|completed):(.*)$/i.exec(raw);
  return prefixed ? prefixed[2]! : raw;
}

/** A status name, any case; null for anything else (the handler answers `003:incorrect_status`). */
export function statusParam(raw: string): ConsumerStatus | null {
  const status = raw.toLowerCase();
  return (STATUSES as readonly string[]).includes(status) ? (status as ConsumerStatus) : null;
}
