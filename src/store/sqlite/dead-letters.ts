import { QUEUE_MISSING, type QueueMissing } from '../../domain/outcomes';
import type { DeadLetterSources, QueueHealth, QueueRef, RedriveRequest, RedriveResult } from '../store';
import type { SqliteContext } from './context';
import { queueRow } from './lookups';
import { STATE, messageIdOf, parseHeaders, type MessageRow, type QueueRow } from './rows';
import { append, changeSize } from './write-primitives';

/** Dead letters: where they came from (messages.dead_letter_from, 0006), redrive, and the metrics on them. */

/** Records where a message moved to a dead-letter queue came from, so a redrive can send it back. */
export function markDeadLetter(ctx: SqliteContext, messageId: number, origin: string): void {
  ctx.deadLetters.markDeadLetter.run(origin, messageId);
}

export function redriveMessages(ctx: SqliteContext, request: RedriveRequest): RedriveResult | QueueMissing {
  const sql = ctx.deadLetters;
  const { now } = request;
  const source = queueRow(ctx, request.projectId, request.name);
  if (!source) return QUEUE_MISSING;
  const after = request.after === null ? 0 : (messageIdOf(request.after) ?? 0);
  // Oldest first over both movable states: the head of each, merged by id.
  const rows = [STATE.available, STATE.scheduled]
    .flatMap(
      (state) => sql.oldestInState.all(source.id, state, after, now, request.limit + 1) as MessageRow[],
    )
    .sort((a, b) => a.id - b.id);
  const batch = rows.slice(0, request.limit);
  const targets = new Map<string, QueueRow | null>();
  const targetOf = (name: string | null): QueueRow | null => {
    if (name === null || name === source.name) return null;
    if (!targets.has(name)) targets.set(name, queueRow(ctx, request.projectId, name) ?? null);
    return targets.get(name)!;
  };
  const moved = new Map<string, string[]>();
  let skipped = 0;
  let count = 0;
  for (const row of batch) {
    const target = targetOf(request.to ?? row.dead_letter_from ?? request.fallback);
    if (!target) {
      skipped++;
      continue;
    }
    if (target.type === 'pull') {
      sql.redriveInto.run(target.id, now, now, now, now + target.message_expiration * 1000, row.id);
      changeSize(ctx, target, 1, 1, now);
    } else {
      // A push queue delivers what it receives: a copy with its deliveries, as a dead letter into one gets.
      sql.deleteMessage.run(row.id);
      append(
        ctx,
        target,
        [{ body: row.body, delay: 0, pushHeaders: parseHeaders(row.push_headers) }],
        now,
        true,
      );
    }
    count++;
    const ids = moved.get(target.name) ?? [];
    ids.push(String(row.id));
    moved.set(target.name, ids);
  }
  if (count > 0) changeSize(ctx, source, -count, 0, now);
  const last = batch.at(-1);
  return {
    moved: [...moved].map(([queue, ids]) => ({ queue, ids })),
    skipped,
    last: last ? String(last.id) : null,
    done: rows.length <= request.limit,
  };
}

export function deadLetterSources(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  now: number,
): DeadLetterSources | null {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return null;
  const origins = (
    ctx.deadLetters.origins.all(queue.id, now) as { queue: string | null; count: number }[]
  ).sort((a, b) => (a.queue === null ? 1 : b.queue === null ? -1 : a.queue < b.queue ? -1 : 1));
  return {
    configured: ctx.deadLetters.configuredSources.all(projectId, name) as string[],
    origins,
  };
}

export function queueHealth(ctx: SqliteContext, queues: readonly QueueRef[]): QueueHealth[] {
  const sql = ctx.deadLetters;
  return queues.map(({ projectId, name }) => {
    const queue = queueRow(ctx, projectId, name);
    const oldestAt = queue
      ? (sql.oldestAt.get(queue.id, queue.id, queue.id, queue.id) as number | undefined)
      : undefined;
    return {
      oldestAt: oldestAt ?? null,
      deadLetters: sql.deadLettersFrom.get(name, projectId) as number,
    };
  });
}
