import { parentPort, workerData } from 'node:worker_threads';
import { StoreUnavailable } from '../../domain/errors';
import type { Durability } from '../store-config';
import { createContext, openConnection } from './connection';
import { mapStoreError } from './errors';
import { GroupCommit } from './group-commit';
import { runWrite, type WriteCall } from './operations';
import type { FromWriter, ToWriter, WireError } from './writer-protocol';

/**
 * The writer thread: one connection, every write of the store, in group commits. Writes that arrive while a
 * group is running (its statements, its COMMIT and fsync) form the next group, so the busier the server, the
 * more writes share one fsync — and the fsync blocks this thread only, never the one answering requests.
 */
const port = parentPort;
if (!port) throw new Error('writer-thread.ts runs as a worker thread');
const { file, durability } = workerData as { file: string; durability: Durability };

const ctx = createContext(openConnection(file, durability));
const group = new GroupCommit(ctx, mapStoreError);
let pending: { id: number; call: WriteCall }[] = [];
let scheduled = false;

function send(message: FromWriter): void {
  port!.postMessage(message);
}

function wireError(error: Error): WireError {
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    code: (error as { code?: unknown }).code as string | undefined,
    unavailable: error instanceof StoreUnavailable,
  };
}

function flush(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  if (batch.length === 0) return;
  const { outcomes, alerts } = group.run(
    batch.map(
      ({ call }) =>
        () =>
          runWrite(ctx, call),
    ),
  );
  send({
    type: 'results',
    alerts,
    results: batch.map(({ id }, i) => {
      const outcome = outcomes[i]!;
      return outcome.ok
        ? { id, ok: true, value: outcome.value }
        : { id, ok: false, error: wireError(outcome.error) };
    }),
  });
}

port.on('message', (message: ToWriter) => {
  switch (message.type) {
    case 'writes':
      pending.push(...message.writes);
      // Everything already queued on the port arrives before the check phase: one group takes it all.
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return;
    case 'counters':
      send({ type: 'counters', counters: { ...group.counters } });
      return;
    case 'close':
      flush();
      ctx.db.close();
      send({ type: 'closed' });
      port.close();
      return;
  }
});

send({ type: 'ready' });
