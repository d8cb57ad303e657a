import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Real HTTP receivers on 127.0.0.1:0 for push tests: each records every request it gets (method, path, headers,
 * raw body) and answers as scripted, one reply per request in order, then the default reply.
 */

export interface ReceivedRequest {
  method: string;
  /** Path with query string, as sent. */
  path: string;
  /** Header names in lower case (Node's parsing). */
  headers: IncomingHttpHeaders;
  /** [name, value] pairs with their original case, in order. */
  rawHeaders: [string, string][];
  /** The raw body, decoded as UTF-8. */
  body: string;
}

/**
 * A scripted answer: a status, or a status with a delay (longer than FERRITE_PUSH_TIMEOUT_MS for a slow
 * subscriber), or `hold`: no answer until `release()` (or close).
 */
export type Reply = number | { status: number; delayMs?: number; body?: string } | 'hold';

export interface Receiver {
  /** `http://127.0.0.1:<port>` + `path` (default `/push`). */
  url(path?: string): string;
  port: number;
  /** Every request received so far, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Requests being held (`hold`) or delayed right now. */
  readonly pending: number;
  /** The largest number of requests that were open at the same time. */
  readonly maxConcurrent: number;
  /** Appends replies for the next requests. */
  script(...replies: Reply[]): void;
  /** The reply once the script is used up (default 200). */
  setDefault(reply: Reply): void;
  /** Resolves when `count` requests in total have arrived (at once when they already have). */
  received(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Answers every held request with `status` (default 200). */
  release(status?: number): void;
  close(): Promise<void>;
}

/** Starts a receiver. */
export async function startReceiver(options: { replies?: Reply[]; default?: Reply } = {}): Promise<Receiver> {
  const queue: Reply[] = [...(options.replies ?? [])];
  let fallback: Reply = options.default ?? 200;
  const requests: ReceivedRequest[] = [];
  const held: ((status: number) => void)[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let open = 0;
  let maxConcurrent = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawHeaders: [string, string][] = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
        rawHeaders.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      open++;
      maxConcurrent = Math.max(maxConcurrent, open);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const answer = (status: number, body = '') => {
        open--;
        if (res.writableEnded || res.destroyed) return;
        res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      };
      const reply = queue.length > 0 ? queue.shift()! : fallback;
      if (reply === 'hold') {
        held.push((status) => answer(status));
      } else if (typeof reply === 'number') {
        answer(reply);
      } else if (reply.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer(reply.status, reply.body);
        }, reply.delayMs);
        timers.add(timer);
      } else {
        answer(reply.status, reply.body);
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: (path = '/push') => `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    get pending() {
      return open;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    script: (...replies) => void queue.push(...replies),
    setDefault: (reply) => {
      fallback = reply;
    },
    received(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiters.findIndex((w) => w.resolve === done);
          if (index >= 0) waiters.splice(index, 1);
          reject(new Error(`receiver got ${requests.length} of ${count} requests in ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve(requests.slice());
        };
        waiters.push({ count, resolve: done });
      });
    },
    release(status = 200) {
      for (const answer of held.splice(0)) answer(status);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      held.splice(0);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed): connecting is refused. */
export async function refusedUrl(path = '/push'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
