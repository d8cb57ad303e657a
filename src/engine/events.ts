import { EventEmitter } from 'node:events';

/** What the engine and the worker report as it happens; metrics and tests subscribe (tests await them). */
export interface EngineEventMap {
  'messages:posted': [{ projectId: string; queue: string; count: number }];
  'messages:reserved': [{ projectId: string; queue: string; count: number }];
  'messages:deleted': [{ projectId: string; queue: string; count: number }];
  'messages:dead-lettered': [{ projectId: string; queue: string; count: number }];
  'messages:expired': [{ projectId: string; queue: string; count: number }];
  'queue:cleared': [{ projectId: string; queue: string }];
}

/** A typed EventEmitter. Listeners must not throw: they run inside request handling. */
export class EngineEvents extends EventEmitter<EngineEventMap> {}
