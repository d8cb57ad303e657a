import { EventEmitter } from 'node:events';

/** What the engine and the worker report as it happens; metrics and tests subscribe (tests await them). */
export interface EngineEventMap {
  'messages:posted': [{ projectId: string; queue: string; count: number; ids: string[] }];
  'messages:reserved': [{ projectId: string; queue: string; count: number }];
  'messages:deleted': [{ projectId: string; queue: string; count: number }];
  'messages:dead-lettered': [{ projectId: string; queue: string; count: number }];
  'messages:expired': [{ projectId: string; queue: string; count: number }];
  'queue:cleared': [{ projectId: string; queue: string }];
  /** Messages moved out of a dead-letter queue (`queue`) by a redrive, `count` in all, per queue they went to. */
  'messages:redriven': [{ projectId: string; queue: string; count: number; to: Record<string, number> }];
  /** Push deliveries were queued: the dispatcher wakes up. */
  'push:queued': [{ projectId: string; queue: string; count: number }];
  'push:delivered': [PushAttempt];
  /** A 202: held until the subscriber acknowledges it. */
  'push:held': [PushAttempt];
  /** An attempt failed; it will be retried (or it was the last: see push:error). */
  'push:failed': [PushAttempt & { error: string }];
  /** Retries ran out for this subscriber. */
  'push:error': [PushAttempt & { error: string }];
  /** Every subscriber of a message is done. */
  'push:completed': [{ projectId: string; queue: string; messageId: string; errorQueue: string | null }];
  'alert:fired': [{ projectId: string; queue: string; alertId: string; size: number }];
}

export interface PushAttempt {
  projectId: string;
  queue: string;
  messageId: string;
  subscriber: string;
  statusCode: number | null;
}

/** A typed EventEmitter. Listeners must not throw: they run inside request handling. */
export class EngineEvents extends EventEmitter<EngineEventMap> {}
