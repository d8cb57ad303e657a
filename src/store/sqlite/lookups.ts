import type { SqliteContext } from './context';
import { messageIdOf, type MessageRow, type QueueRow } from './rows';

/** Row reads shared by every resource. */

export function queueRow(ctx: SqliteContext, projectId: string, name: string): QueueRow | undefined {
  return ctx.sql.getQueue.get(projectId, name) as QueueRow | undefined;
}

/** A message of this queue that has not expired, or undefined. Ids that are not ours match nothing. */
export function messageRow(
  ctx: SqliteContext,
  queueId: number,
  id: string,
  now: number,
): MessageRow | undefined {
  const rowId = messageIdOf(id);
  if (rowId === null) return undefined;
  return ctx.sql.getMessage.get(rowId, queueId, now) as MessageRow | undefined;
}
