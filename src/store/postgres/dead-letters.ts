import { QUEUE_MISSING, type QueueMissing } from '../../domain/outcomes';
import { STATE, messageIdOf, parseHeaders, type MessageRow, type QueueRow } from '../rows';
import type { DeadLetterSources, QueueHealth, QueueRef, RedriveRequest, RedriveResult } from '../store';
import { row, rows, run, statement as s, type PgContext } from './context';
import { queueRow } from './lookups';
import { SQL as SHARED } from './statements';
import { append, changeSize } from './write-primitives';

/**
 * Dead letters on PostgreSQL (migrations/postgres/0006), as the SQLite store's dead-letters.ts: where they came
 * from, redrive and the metrics on them. A redrive locks the messages it moves (SKIP LOCKED: one another node or
 * request holds is left for the next page), so two redrives at once never move a message twice.
 */

const SQL = {
  // Params: origin queue name, id. Called as a message is moved to its dead-letter queue.
  markDeadLetter: s('dl_mark', 'UPDATE messages SET dead_letter_from = $1 WHERE id = $2'),
  // Params: queue_id, state, after id, now, limit. The oldest messages of one state after an id, locked.
  oldestInState: s(
    'dl_oldest_in_state',
    `SELECT * FROM messages WHERE queue_id = $1 AND state = $2 AND id > $3 AND expires_at > $4
      ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED`,
  ),
  // Params: queue_id, now, expires_at, id. Back in a pull queue: available (pending) at once, never reserved.
  redriveInto: s(
    'dl_redrive_into',
    `UPDATE messages SET queue_id = $1, state = 0, visible_at = $2, reservation_id = NULL,
       reservation_timeout = NULL, reserved_count = 0, dead_letter_from = NULL, updated_at = $2, pending_at = $2,
       expires_at = $3
     WHERE id = $4`,
  ),
  // Params: project_id, dead-letter queue name
  configuredSources: s(
    'dl_configured_sources',
    'SELECT name FROM queues WHERE project_id = $1 AND dead_letter_queue = $2 ORDER BY name',
  ),
  // Params: queue_id, now. Movable messages (available or delayed) per origin.
  origins: s(
    'dl_origins',
    `SELECT dead_letter_from AS queue, count(*)::bigint AS count FROM messages
      WHERE queue_id = $1 AND state IN (0, 1) AND expires_at > $2 GROUP BY dead_letter_from`,
  ),
  // Params: queue_id. When its oldest message not yet deleted was posted: the smallest id of each live state
  // (one index seek each in messages_queue_state), and ids increase with posting time.
  oldestAt: s(
    'dl_oldest_at',
    `SELECT created_at FROM messages WHERE id = (SELECT min(id) FROM (
        SELECT min(id) AS id FROM messages WHERE queue_id = $1 AND state = 0
        UNION ALL SELECT min(id) FROM messages WHERE queue_id = $1 AND state = 1
        UNION ALL SELECT min(id) FROM messages WHERE queue_id = $1 AND state = 2
        UNION ALL SELECT min(id) FROM messages WHERE queue_id = $1 AND state = 3) AS heads)`,
  ),
  // Params: origin queue name, project_id. Dead letters from it, wherever they sit in its project.
  deadLettersFrom: s(
    'dl_dead_letters_from',
    `SELECT count(*)::bigint AS count FROM messages m JOIN queues q ON q.id = m.queue_id
      WHERE m.dead_letter_from = $1 AND q.project_id = $2 AND m.state <= 3`,
  ),
};

/** Records where a message moved to a dead-letter queue came from, so a redrive can send it back. */
export async function markDeadLetter(ctx: PgContext, messageId: number, origin: string): Promise<void> {
  await run(ctx, SQL.markDeadLetter, [origin, messageId]);
}

export async function redriveMessages(
  ctx: PgContext,
  request: RedriveRequest,
): Promise<RedriveResult | QueueMissing> {
  const { now } = request;
  const source = await queueRow(ctx, request.projectId, request.name);
  if (!source) return QUEUE_MISSING;
  const after = request.after === null ? 0 : (messageIdOf(request.after) ?? 0);
  // Oldest first over both movable states: the head of each, merged by id.
  const heads: MessageRow[] = [];
  for (const state of [STATE.available, STATE.scheduled]) {
    heads.push(
      ...(await rows<MessageRow>(ctx, SQL.oldestInState, [source.id, state, after, now, request.limit + 1])),
    );
  }
  heads.sort((a, b) => a.id - b.id);
  const batch = heads.slice(0, request.limit);
  const targets = new Map<string, QueueRow | null>();
  const targetOf = async (name: string | null): Promise<QueueRow | null> => {
    if (name === null || name === source.name) return null;
    if (!targets.has(name)) targets.set(name, (await queueRow(ctx, request.projectId, name)) ?? null);
    return targets.get(name)!;
  };
  const moved = new Map<string, string[]>();
  let skipped = 0;
  let count = 0;
  for (const message of batch) {
    const target = await targetOf(request.to ?? message.dead_letter_from ?? request.fallback);
    if (!target) {
      skipped++;
      continue;
    }
    if (target.type === 'pull') {
      await run(ctx, SQL.redriveInto, [target.id, now, now + target.message_expiration * 1000, message.id]);
      await changeSize(ctx, target, 1, 1, now);
    } else {
      // A push queue delivers what it receives: a copy with its deliveries, as a dead letter into one gets.
      await run(ctx, SHARED.deleteMessage, [message.id]);
      await append(
        ctx,
        target,
        [{ body: message.body, delay: 0, pushHeaders: parseHeaders(message.push_headers) }],
        now,
        true,
      );
    }
    count++;
    const ids = moved.get(target.name) ?? [];
    ids.push(String(message.id));
    moved.set(target.name, ids);
  }
  if (count > 0) await changeSize(ctx, source, -count, 0, now);
  const last = batch.at(-1);
  return {
    moved: [...moved].map(([queue, ids]) => ({ queue, ids })),
    skipped,
    last: last ? String(last.id) : null,
    done: heads.length <= request.limit,
  };
}

export async function deadLetterSources(
  ctx: PgContext,
  projectId: string,
  name: string,
  now: number,
): Promise<DeadLetterSources | null> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return null;
  const origins = (
    await rows<{ queue: string | null; count: number }>(ctx, SQL.origins, [queue.id, now])
  ).sort((a, b) => (a.queue === null ? 1 : b.queue === null ? -1 : a.queue < b.queue ? -1 : 1));
  const configured = await rows<{ name: string }>(ctx, SQL.configuredSources, [projectId, name]);
  return { configured: configured.map((r) => r.name), origins };
}

export async function queueHealth(ctx: PgContext, queues: readonly QueueRef[]): Promise<QueueHealth[]> {
  const health: QueueHealth[] = [];
  for (const { projectId, name } of queues) {
    const queue = await queueRow(ctx, projectId, name);
    const oldest = queue ? await row<{ created_at: number }>(ctx, SQL.oldestAt, [queue.id]) : undefined;
    const from = await row<{ count: number }>(ctx, SQL.deadLettersFrom, [name, projectId]);
    health.push({ oldestAt: oldest?.created_at ?? null, deadLetters: from?.count ?? 0 });
  }
  return health;
}
