import { messageIdOf, type MessageRow, type QueueRow } from '../rows';
import { row, type PgContext } from './context';
import { SQL } from './statements';

/** Row reads shared by every resource. */

export function queueRow(ctx: PgContext, projectId: string, name: string): Promise<QueueRow | undefined> {
  return row<QueueRow>(ctx, SQL.getQueue, [projectId, name]);
}

/**
 * A message of this queue that has not expired, or undefined. Ids that are not ours match nothing. `lock`: the
 * row is locked until the transaction ends (the write that follows decides on what it read).
 */
export async function messageRow(
  ctx: PgContext,
  queueId: number,
  id: string,
  now: number,
  lock: boolean,
): Promise<MessageRow | undefined> {
  const rowId = messageIdOf(id);
  if (rowId === null) return undefined;
  return row<MessageRow>(ctx, lock ? SQL.lockMessage : SQL.getMessage, [rowId, queueId, now]);
}
