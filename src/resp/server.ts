import { BlockList, createServer, isIP, type AddressInfo, type Socket } from 'node:net';
import type { EngineDeps } from '../engine/deps';
import type { Subscriptions } from '../engine/subscriptions';
import type { Logger } from '../log';
import { RespConnection } from './connection';
import { RESP_TEXT } from './errors';
import { encode, error } from './reply';

/**
 * CrimsonQ's RESP interface (port 9001 in CrimsonQ) in Ferrite's process, over the same engine, store and
 * group commit as HTTP. Connections from addresses not on the allow-list are dropped without a reply, as
 * CrimsonQ does; one over `maxConnections` gets redis-server's `-ERR max number of clients reached`.
 */

export interface RespServerOptions {
  host: string;
  port: number;
  password: string;
  /** The CrimsonQ project a connection works in after AUTH. */
  projectId: string | null;
  /** `*` (anyone), or addresses and CIDR ranges. */
  allow: '*' | readonly string[];
  maxConnections: number;
  /** Largest argument, bytes; a command's arguments together may take twice that. */
  maxBulkBytes: number;
  idleTimeoutMs: number;
  maxOutputBytes: number;
  /** How long shutdown waits for running commands. */
  shutdownGraceMs: number;
}

export interface RespServer {
  port: number;
  /** Open connections. */
  readonly connections: number;
  /** Stops accepting, lets running commands finish (within the grace), closes every connection. */
  close(): Promise<void>;
}

/** Most arguments of one command: CrimsonQ's take at most 4; SUBSCRIBE may name many consumers. */
const MAX_ARGS = 1024;
/** An inline command (typed at a terminal) is one line of a message at most. */
const MAX_INLINE_FLOOR = 64 * 1024;

/** The allow-list as a BlockList of allowed addresses (IPv4 also matched when seen as ::ffff:a.b.c.d). */
export function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(prefix), family);
  }
  return list;
}

function allowed(list: BlockList | null, socket: Socket): boolean {
  if (list === null) return true;
  const remote = socket.remoteAddress ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped) return list.check(mapped[1]!, 'ipv4');
  return list.check(remote, isIP(remote) === 6 ? 'ipv6' : 'ipv4');
}

export async function startRespServer(
  deps: EngineDeps,
  subscriptions: Subscriptions,
  options: RespServerOptions,
  log: Logger,
): Promise<RespServer> {
  const list = options.allow === '*' ? null : allowList(options.allow);
  const open = new Set<RespConnection>();
  const sockets = new Set<Socket>();
  const settings = {
    deps,
    subscriptions,
    password: options.password,
    projectId: options.projectId,
    limits: {
      maxBulkBytes: options.maxBulkBytes,
      maxArgs: MAX_ARGS,
      maxCommandBytes: 2 * options.maxBulkBytes,
      maxInlineBytes: Math.max(MAX_INLINE_FLOOR, options.maxBulkBytes),
    },
    idleTimeoutMs: options.idleTimeoutMs,
    maxOutputBytes: options.maxOutputBytes,
    log,
  };
  let warned = false;
  const server = createServer({ noDelay: true, keepAlive: true }, (socket) => {
    if (!allowed(list, socket)) {
      log.debug('RESP connection refused: address not allowed', { remote: socket.remoteAddress });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (open.size >= options.maxConnections) {
      if (!warned)
        log.warn('FERRITE_RESP_MAX_CONNECTIONS reached: new connections are refused', { open: open.size });
      warned = true;
      socket.on('error', () => undefined);
      socket.end(encode(error(RESP_TEXT.tooManyClients)));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const connection = new RespConnection(socket, settings);
    open.add(connection);
    socket.once('close', () => {
      open.delete(connection);
      if (open.size < options.maxConnections) warned = false;
    });
  });
  // Past the cap above, the kernel's backlog is the limit: refuse outright rather than accept without bound.
  server.maxConnections = options.maxConnections * 2;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(options.port, options.host);
  });
  server.removeAllListeners('error');
  server.on('error', (failure) => log.error('RESP server error', { error: String(failure) }));
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    port,
    get connections() {
      return open.size;
    },
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const grace = setTimeout(
          () => sockets.forEach((socket) => socket.destroy()),
          options.shutdownGraceMs,
        );
        await Promise.all([...open].map((connection) => connection.shutdown()));
        sockets.forEach((socket) => socket.destroy());
        await closed;
        clearTimeout(grace);
      })()),
  };
}
