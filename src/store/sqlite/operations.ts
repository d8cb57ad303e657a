import * as activity from './activity';
import * as consumers from './consumers';
import type { SqliteContext } from './context';
import * as deadLetters from './dead-letters';
import * as deliveries from './deliveries';
import * as messages from './messages';
import * as projects from './projects';
import * as queues from './queues';
import * as sqs from './sqs';

/**
 * Every SQLite operation by name, as plain functions `(ctx, …args) => result`. Writes run inside a group
 * commit on the writer thread; reads run on the calling thread's own connection. Names are what crosses the
 * thread boundary, so the table is the one list both sides agree on.
 */
export const WRITES = {
  ping: (): undefined => undefined,
  createProject: projects.createProject,
  addToken: projects.addToken,
  revokeToken: projects.revokeToken,
  serverSetting: projects.serverSetting,
  putQueue: queues.putQueue,
  deleteQueue: queues.deleteQueue,
  markActive: queues.markActive,
  expireIdleQueues: queues.expireIdleQueues,
  postMessages: messages.postMessages,
  reserveMessages: messages.reserveMessages,
  deleteMessages: messages.deleteMessages,
  clearMessages: messages.clearMessages,
  touchMessage: messages.touchMessage,
  releaseMessage: messages.releaseMessage,
  expireMessages: messages.expireMessages,
  applyTimers: messages.applyTimers,
  claimDeliveries: deliveries.claimDeliveries,
  recordDelivery: deliveries.recordDelivery,
  ackDelivery: deliveries.ackDelivery,
  countStates: consumers.countStates,
  listStatus: consumers.listStatus,
  completeMessage: consumers.completeMessage,
  failMessage: consumers.failMessage,
  retryFailed: consumers.retryFailed,
  deleteInStatus: consumers.deleteInStatus,
  flushStatus: consumers.flushStatus,
  publish: consumers.publish,
  addSqsKey: sqs.addSqsKey,
  revokeSqsKey: sqs.revokeSqsKey,
  recordActivity: activity.recordActivity,
  redriveMessages: deadLetters.redriveMessages,
} as const;

export const READS = {
  getProject: projects.getProject,
  listProjects: projects.listProjects,
  listTokens: projects.listTokens,
  projectOfTokenHash: projects.projectOfTokenHash,
  getQueue: queues.getQueue,
  listQueues: queues.listQueues,
  queueStats: queues.queueStats,
  peekMessages: messages.peekMessages,
  getMessage: messages.getMessage,
  nextTimerAt: messages.nextTimerAt,
  listDeliveries: deliveries.listDeliveries,
  nextDeliveryAt: deliveries.nextDeliveryAt,
  countMessages: sqs.countMessages,
  listDeadLetterSources: sqs.listDeadLetterSources,
  getSqsKey: sqs.getSqsKey,
  listSqsKeys: sqs.listSqsKeys,
  readActivity: activity.readActivity,
  deadLetterSources: deadLetters.deadLetterSources,
  queueHealth: deadLetters.queueHealth,
} as const;

export type WriteName = keyof typeof WRITES;
export type ReadName = keyof typeof READS;

/** The arguments of an operation after its context. */
export type ArgsOf<F> = F extends (ctx: SqliteContext, ...args: infer A) => unknown ? A : never;

/** One write to run: its name and arguments (structured-clonable: it may cross to the writer thread). */
export interface WriteCall {
  name: WriteName;
  args: unknown[];
}

/** Runs a write by name against a context (inside the caller's transaction). */
export function runWrite(ctx: SqliteContext, call: WriteCall): unknown {
  const operation = WRITES[call.name] as (ctx: SqliteContext, ...args: unknown[]) => unknown;
  return operation(ctx, ...call.args);
}
