import path from 'node:path';
import { FakeClock } from '../../src/engine/clock';
import type { EngineDeps } from '../../src/engine/deps';
import { EngineEvents } from '../../src/engine/events';
import { openStore } from '../../src/store/open-store';
import { tempDir } from './server';

/**
 * The engine over a real SQLite file in a temp dir, without HTTP: for tests of engine operations that HTTP
 * cannot arrange (two operations started in the same tick). Close it with `deps.store.close()`.
 */
export async function testEngine(): Promise<EngineDeps & { clock: FakeClock }> {
  const clock = new FakeClock();
  const { store, wakeups, node } = await openStore(
    { kind: 'sqlite', file: path.join(tempDir(), 'engine.db'), durability: 'full' },
    { now: clock.now(), maxWaiters: 100, clock: () => clock.now() },
  );
  return {
    store,
    wakeups,
    clock,
    node,
    events: new EngineEvents(),
    maxMessageBytes: 1024,
    pushStatusRetentionMs: 0,
    consumerDefaults: { activeTimeout: 30, overdueTimeout: 30, idleExpiry: 0 },
  };
}
