import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { StoreUnavailable } from '../../domain/errors';
import type { FiredAlert } from '../store';
import type { Durability } from '../store-config';
import { mapStoreError } from './errors';
import { GroupCommit, type CommitCounters } from './group-commit';
import type { SqliteContext } from './context';
import { runWrite, type WriteCall } from './operations';
import type { FromWriter, ToWriter, WireError } from './writer-protocol';

/**
 * Where writes run. The production path is `ThreadWriter`: a worker thread with its own connection runs every
 * write in group commits, so a COMMIT's fsync never stops the event loop from parsing, validating and answering
 * (docs/design.md, "Durability and group commit"). `InlineWriter` runs them on the calling thread, for stores
 * that cannot be shared with a thread (':memory:') and short-lived tools.
 */
export interface Writer {
  /** Runs `call` in a coming group; resolves with its value once the group committed. */
  submit(call: WriteCall): Promise<unknown>;
  /** How the groups went so far. */
  counters(): Promise<CommitCounters>;
  /** Commits what was submitted, then closes the writer's connection. */
  close(): Promise<void>;
}

interface Pending {
  call: WriteCall;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Writes on this thread, one group per turn of the event loop (setImmediate: a lone write waits for nothing). */
export class InlineWriter implements Writer {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly group: GroupCommit;

  constructor(
    private readonly ctx: SqliteContext,
    private readonly onAlerts: (alerts: FiredAlert[]) => void,
  ) {
    this.group = new GroupCommit(ctx, mapStoreError);
  }

  submit(call: WriteCall): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ call, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  counters(): Promise<CommitCounters> {
    return Promise.resolve({ ...this.group.counters });
  }

  close(): Promise<void> {
    this.flush();
    return Promise.resolve();
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const { outcomes, alerts } = this.group.run(
      batch.map(
        ({ call }) =>
          () =>
            runWrite(this.ctx, call),
      ),
    );
    if (alerts.length > 0) this.onAlerts(alerts);
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}

/** The writer thread's entry: compiled next to this file (dist/), or the TypeScript source under ts-jest. */
function writerEntry(): { file: string; execArgv: string[] } {
  const source = __filename.endsWith('.ts');
  const file = path.join(__dirname, source ? 'writer-thread.ts' : 'writer-thread.js');
  // Tests run the sources: the thread loads them through tsx (a dev dependency, never needed by dist/).
  return { file, execArgv: source ? ['--require', require.resolve('tsx/cjs')] : [] };
}

/** Writes on a worker thread; calls of one turn of the event loop cross to it in one message. */
export class ThreadWriter implements Writer {
  private readonly worker: Worker;
  private outgoing: { id: number; call: WriteCall }[] = [];
  private readonly waiting = new Map<number, Pending>();
  private readonly counterRequests: ((counters: CommitCounters) => void)[] = [];
  private nextId = 1;
  private scheduled = false;
  private failure: Error | null = null;
  private closed: Promise<void> | null = null;
  private readonly ready: Promise<void>;

  private constructor(
    file: string,
    durability: Durability,
    private readonly onAlerts: (alerts: FiredAlert[]) => void,
  ) {
    const entry = writerEntry();
    this.worker = new Worker(entry.file, { workerData: { file, durability }, execArgv: entry.execArgv });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', (message: FromWriter) => {
        if (message.type === 'ready') resolve();
        else reject(new Error(`the writer thread did not start: ${JSON.stringify(message)}`));
      });
      this.worker.once('error', reject);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the writer thread exited (${code})`));
    });
  }

  /** Starts the writer thread on `file` and waits until its connection is open. */
  static async start(
    file: string,
    durability: Durability,
    onAlerts: (alerts: FiredAlert[]) => void,
  ): Promise<ThreadWriter> {
    const writer = new ThreadWriter(file, durability, onAlerts);
    try {
      await writer.ready;
    } catch (error) {
      await writer.worker.terminate();
      throw error;
    }
    writer.worker.on('message', (message: FromWriter) => writer.receive(message));
    // The thread keeps the process alive only while a write is waiting for it (like a socket with a request
    // in flight); an idle store does not hold the process open.
    writer.worker.unref();
    return writer;
  }

  submit(call: WriteCall): Promise<unknown> {
    if (this.failure) return Promise.reject(new StoreUnavailable(this.failure.message));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { call, resolve, reject });
      this.outgoing.push({ id, call });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  counters(): Promise<CommitCounters> {
    return new Promise((resolve) => {
      this.worker.ref();
      this.counterRequests.push((counters) => {
        if (this.waiting.size === 0 && this.counterRequests.length === 0) this.worker.unref();
        resolve(counters);
      });
      this.post({ type: 'counters' });
    });
  }

  close(): Promise<void> {
    return (this.closed ??= (async () => {
      this.send();
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.ref();
      this.post({ type: 'close' });
      await exited;
      this.fail(new Error('The store is closed'));
    })());
  }

  private send(): void {
    this.scheduled = false;
    const batch = this.outgoing;
    this.outgoing = [];
    if (batch.length > 0) this.post({ type: 'writes', writes: batch });
  }

  private post(message: ToWriter): void {
    try {
      this.worker.postMessage(message);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private receive(message: FromWriter): void {
    switch (message.type) {
      case 'results': {
        if (message.alerts.length > 0) this.onAlerts(message.alerts);
        for (const result of message.results) {
          const pending = this.waiting.get(result.id);
          if (!pending) continue;
          this.waiting.delete(result.id);
          if (result.ok) pending.resolve(result.value);
          else pending.reject(toError(result.error));
        }
        if (this.waiting.size === 0) this.worker.unref();
        return;
      }
      case 'counters':
        this.counterRequests.shift()?.(message.counters);
        return;
      case 'ready':
      case 'closed':
        return;
    }
  }

  /** The thread died or closed: everything still waiting fails as "unavailable" (nothing of it committed). */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const [id, pending] of this.waiting) {
      this.waiting.delete(id);
      pending.reject(new StoreUnavailable(error.message));
    }
  }
}

/** An error from the writer thread, as the caller would have seen it on its own thread. */
function toError(wire: WireError): Error {
  if (wire.unavailable) return new StoreUnavailable(wire.message);
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  if (wire.code !== undefined) (error as Error & { code?: string }).code = wire.code;
  return error;
}
