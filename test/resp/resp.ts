import { connect, type Socket } from 'node:net';
import Redis, { type RedisOptions } from 'ioredis';
import { startCq } from '../crimsonq/cq';
import type { TestServer } from '../helpers/server';

/** Test helpers for the RESP interface: a server with a known password, ioredis clients, and a raw socket. */

export const RESP_PASS = 'resp-test-password';

export async function startResp(env: Record<string, string> = {}): Promise<TestServer> {
  return startCq({ CRIMSONQ_RESP_PASS: RESP_PASS, ...env });
}

export function respPort(server: TestServer): number {
  if (!server.resp) throw new Error('the RESP interface is off');
  return server.resp.port;
}

/** Every client a test opens, so that afterEach/afterAll can close the ones it left open. */
const opened = new Set<Redis>();

/**
 * An ioredis client, authenticated with the RESP password, failing fast instead of retrying: a test must see
 * an error, not a reconnect loop. ioredis's defaults otherwise (RESP3 first, so HELLO is refused with NOPROTO
 * and it falls back to RESP2; CLIENT SETINFO after AUTH; INFO as ready check).
 */
export function redis(server: TestServer, options: RedisOptions = {}): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port: respPort(server),
    password: RESP_PASS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: false,
    ...options,
  });
  client.on('error', () => undefined);
  opened.add(client);
  client.once('end', () => opened.delete(client));
  return client;
}

export function closeClients(): void {
  for (const client of opened) client.disconnect();
  opened.clear();
}

/** The reply, or the error's message as `ERR:<message>`, so one expect can check either. */
export async function call(client: Redis, ...args: (string | number)[]): Promise<unknown> {
  try {
    return await client.call(String(args[0]), ...args.slice(1).map(String));
  } catch (error) {
    return `ERR:${(error as Error).message}`;
  }
}

/** A plain TCP connection that records every byte the server sends and when it closes. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far, as latin1 text (bytes one to one). */
  received(): string;
  closed: Promise<void>;
  isClosed(): boolean;
  send(data: string | Buffer): void;
  /** Resolves once the text received (from byte `from` on) has `expected` in it; rejects if it closes first. */
  waitFor(expected: string, from?: number): Promise<string>;
  close(): void;
}

export function raw(server: TestServer): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(respPort(server), '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const waiters: (() => void)[] = [];
    const wake = () => waiters.splice(0).forEach((waiter) => waiter());
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      wake();
    });
    socket.on('error', () => undefined);
    const closedPromise = new Promise<void>((done) =>
      socket.on('close', () => {
        closed = true;
        wake();
        done();
      }),
    );
    const received = () => Buffer.concat(chunks).toString('latin1');
    socket.once('connect', () =>
      resolve({
        socket,
        received,
        closed: closedPromise,
        isClosed: () => closed,
        send: (data) => {
          if (!socket.destroyed) socket.write(data);
        },
        waitFor: (expected, from = 0) =>
          new Promise((done, fail) => {
            const check = () => {
              if (received().slice(from).includes(expected)) done(received());
              else if (closed)
                fail(
                  new Error(`closed before ${JSON.stringify(expected)}; got ${JSON.stringify(received())}`),
                );
              else waiters.push(check);
            };
            check();
          }),
        close: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** A raw connection that has authenticated. */
export async function rawAuthed(server: TestServer): Promise<RawConnection> {
  const connection = await raw(server);
  connection.send(command('AUTH', RESP_PASS));
  await connection.waitFor('+ok\r\n');
  return connection;
}

/** A command in the multibulk form client libraries send. */
export function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/** Whether another, new connection is still served: AUTH and a PING answered. */
export async function stillServes(server: TestServer): Promise<boolean> {
  const client = redis(server);
  try {
    return (await client.call('ping', 'still')) === 'Pong! still';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
