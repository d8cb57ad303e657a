import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Every process the bench starts, so that all of them are stopped at the end, on Ctrl-C and on errors. Node
 * children also exit on their own when the bench's IPC channel closes (see serveParent), so even a bench killed
 * with SIGKILL leaves none of them behind.
 */
const running = new Set<ChildProcess>();

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** A Node child process started from bench/children/ (compiled), answering commands over IPC. */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  /** stderr lines left out because they matched `quiet` (see startChild). */
  suppressed = 0;

  constructor(readonly proc: ChildProcess) {
    running.add(proc);
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        running.delete(proc);
        for (const { reject } of this.waiting.values()) reject(new Error(`child exited (${code})`));
        this.waiting.clear();
        resolve(code);
      }),
    );
    this.ready = new Promise((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)));
      proc.on('message', (message: { type?: string; data?: Record<string, unknown> } & Partial<Reply>) => {
        if (message.type === 'ready') resolve(message.data ?? {});
        else if (typeof message.id === 'number') {
          const waiter = this.waiting.get(message.id);
          this.waiting.delete(message.id);
          if (message.error !== undefined) waiter?.reject(new Error(message.error));
          else waiter?.resolve(message.result);
        }
      });
    });
    // Nobody may be awaiting `ready` when the child dies later: that rejection is expected, not unhandled.
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** Sends a command to the child and resolves with its answer. */
  call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, command, args });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    await stopProcess(this.proc, graceMs);
  }
}

/**
 * Starts `bench/children/<name>.ts` (compiled) with an IPC channel. Its stderr is passed through, except lines
 * matching `quiet`, which are only counted (node-cron's "missed execution" warnings when the server is saturated).
 */
export function startChild(
  name: string,
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[]; quiet?: RegExp } = {},
): Child {
  const script = path.join(__dirname, '..', 'children', `${name}.js`);
  const child = fork(script, [], {
    env: { ...process.env, ...options.env },
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'inherit', options.quiet ? 'pipe' : 'inherit', 'ipc'],
  });
  const handle = new Child(child);
  const { quiet } = options;
  if (quiet && child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (quiet.test(line)) handle.suppressed++;
      else process.stderr.write(`${line}\n`);
    });
  }
  return handle;
}

/** Starts a program that is not ours (beanstalkd); it is tracked and stopped like the Node children. */
export function startProgram(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Stops every process still running (used on the way out, whatever the reason). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopProcess(child, 2000)));
}

/** Synchronous last resort from an 'exit' handler: SIGKILL whatever is left. */
export function killAllNow(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Resident set size and its peak (VmHWM) of a process, in bytes, from /proc. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/** The soft limit on open files of this process (children inherit it), from /proc/self/limits. */
export function openFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
  return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}
