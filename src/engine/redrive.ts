import { InvalidInput, NotFound, QueueNotFound } from '../domain/errors';
import { checkQueueName } from '../domain/limits';
import { isFailure } from '../domain/outcomes';
import type { DeadLetterSources } from '../store/store';
import { queueKey } from '../store/wakeups';
import type { EngineDeps } from './deps';

/** Messages moved per store transaction: a redrive of a million dead letters never holds the write lock long. */
export const REDRIVE_BATCH = 500;

export interface RedriveInput {
  /** Most messages to move; null: all. */
  n: number | null;
  /** Where to move them; null: back to the queue each came from. */
  to: string | null;
}

export interface Redriven {
  /** Messages moved, in all and per queue they went to. */
  moved: number;
  queues: Record<string, number>;
  /** Messages that stayed because their queue of origin is not known or no longer exists. */
  skipped: number;
  /** Messages left in the dead-letter queue afterwards (its size). */
  left: number;
}

/**
 * Moves messages out of a dead-letter queue, oldest first, all or the first `n`: back to the queue each was
 * dead-lettered from, or all to `to`. Messages whose origin is not recorded (moved before origins were, or posted
 * there directly) go to the one queue that sends its dead letters here, when there is exactly one. Each message
 * moves atomically, in transactions of REDRIVE_BATCH; a crash in between leaves every message in one queue or
 * the other, never both or neither. Reserved dead letters stay where they are.
 */
export async function redrive(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: RedriveInput,
): Promise<Redriven> {
  checkQueueName(name);
  if (input.to !== null) {
    checkQueueName(input.to, 'to queue');
    if (input.to === name) throw new InvalidInput('to must name another queue than the one redriven');
    if (!(await deps.store.getQueue(projectId, input.to))) {
      throw new NotFound(`Queue not found: ${input.to} (the redrive target)`);
    }
  }
  const sources = await deadLetterSources(deps, projectId, name);
  const fallback = sources.configured.length === 1 ? sources.configured[0]! : null;
  if (
    input.to === null &&
    sources.configured.length === 0 &&
    sources.origins.every((o) => o.queue === null)
  ) {
    throw new InvalidInput(
      `${name} is not a dead-letter queue: no queue sends its dead letters here and none of its messages came ` +
        'from one. Give "to" to move its messages to a queue of your choice',
    );
  }
  const wanted = input.n ?? Number.POSITIVE_INFINITY;
  const queues: Record<string, number> = {};
  let moved = 0;
  let skipped = 0;
  let after: string | null = null;
  while (moved < wanted) {
    const result = await deps.store.redriveMessages({
      projectId,
      name,
      to: input.to,
      fallback,
      limit: Math.min(REDRIVE_BATCH, wanted - moved),
      after,
      now: deps.clock.now(),
    });
    if (isFailure(result)) throw new QueueNotFound(name);
    for (const { queue, ids } of result.moved) {
      queues[queue] = (queues[queue] ?? 0) + ids.length;
      moved += ids.length;
      deps.wakeups.notify(queueKey(projectId, queue), ids.length);
    }
    skipped += result.skipped;
    if (result.moved.length > 0) {
      const to = Object.fromEntries(result.moved.map(({ queue, ids }) => [queue, ids.length]));
      const count = result.moved.reduce((sum, { ids }) => sum + ids.length, 0);
      deps.events.emit('messages:redriven', { projectId, queue: name, count, to });
    }
    if (result.done || result.last === null) break;
    after = result.last;
  }
  const left = (await deps.store.getQueue(projectId, name))?.size ?? 0;
  return { moved, queues, skipped, left };
}

/** Where a queue's dead letters come from (GET …/redrive); QueueNotFound when it does not exist. */
export async function deadLetterSources(
  deps: EngineDeps,
  projectId: string,
  name: string,
): Promise<DeadLetterSources> {
  checkQueueName(name);
  const sources = await deps.store.deadLetterSources(projectId, name, deps.clock.now());
  if (!sources) throw new QueueNotFound(name);
  return sources;
}
