import type { QueueHealth, QueueRef, QueueStat, StoreStats } from '../store/store';
import type { EngineDeps } from './deps';

/** What health probes and metrics read: readiness, per-queue counts, storage sizes, parked long polls. */

/** Why the server cannot take writes now, or null when it can (a write round trip through the store). */
export async function readinessProblem(deps: EngineDeps): Promise<string | null> {
  if (deps.wakeups.closed) return 'the server is shutting down';
  try {
    await deps.store.ping();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Size and reserved count of up to `limit` queues, over all projects. */
export function queueStats(deps: EngineDeps, limit: number): Promise<QueueStat[]> {
  return deps.store.queueStats(limit);
}

/** For each queue, when its oldest message not yet deleted was posted, and its dead letters waiting elsewhere. */
export function queueHealth(deps: EngineDeps, queues: readonly QueueRef[]): Promise<QueueHealth[]> {
  return queues.length === 0 ? Promise.resolve([]) : deps.store.queueHealth(queues);
}

export function storeStats(deps: EngineDeps): Promise<StoreStats> {
  return deps.store.stats();
}

/** Reserve requests parked in a long poll right now. */
export function parkedLongPolls(deps: EngineDeps): number {
  return deps.wakeups.parked;
}

/** Which node answered and which node runs maintenance (several nodes on one PostgreSQL; one alone on SQLite). */
export interface NodeInfo {
  node: string;
  /** The node holding the maintenance lease when last seen; null when none does. */
  leader: string | null;
  store: 'sqlite' | 'postgres';
}

export function nodeInfo(deps: EngineDeps): NodeInfo {
  return { node: deps.node.nodeId, leader: deps.node.leader(), store: deps.store.kind };
}
