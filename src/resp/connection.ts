import type { Socket } from 'node:net';
import { COMMANDS, commandList, type Command } from '../domain/crimsonq-wire';
import { InvalidInput, QueueNotFound } from '../domain/errors';
import { consumerInfo } from '../engine/consumers';
import type { EngineDeps } from '../engine/deps';
import { projectExists, sameSecret } from '../engine/projects';
import type { Subscriptions } from '../engine/subscriptions';
import type { Logger } from '../log';
import { ENGINE_COMMANDS, type EngineCommand } from './commands';
import { RESP_TEXT, errorReplyOf } from './errors';
import { RequestParser, type Frame, type ParserLimits } from './parser';
import { array, bulk, encode, error, integer, simple, type Reply } from './reply';

/**
 * One RESP client connection, as CrimsonQ's server treats it (spec crimsonq §3.1): `AUTH <password>` first
 * (anything else before it is refused and the connection closed), then CrimsonQ's commands, case-insensitive,
 * with exact argument counts, answered one at a time in the order they arrived (pipelining). `SUBSCRIBE`
 * turns it into a subscriber, where only Redis's subscriber commands are allowed.
 *
 * Bounds: the parser refuses oversized input when its header arrives; a chunk's commands are run before the
 * socket is read again; replies wait while more than `maxOutputBytes` are unsent (the client must read), and a
 * subscriber that lets that much pile up is disconnected; a connection with no complete command for
 * `idleTimeoutMs` is closed (subscribers waiting for messages are not idle, unless they hold half a command).
 */

export interface ConnectionSettings {
  deps: EngineDeps;
  subscriptions: Subscriptions;
  /** CRIMSONQ_RESP_PASS. */
  password: string;
  /** The CrimsonQ project an authenticated connection works in; null when there is none. */
  projectId: string | null;
  limits: ParserLimits;
  idleTimeoutMs: number;
  maxOutputBytes: number;
  log: Logger;
}

/** Commands of one pipeline run before the connection lets the others have the event loop. */
const YIELD_EVERY = 64;

/** How long a closed connection may keep sending before it is cut (its reply has been written). */
const LINGER_MS = 2000;

const TABLE = new Map<string, Command>(COMMANDS.map((command) => [command.name, command]));

/** CrimsonQ's answer to `info`: its two simple strings, naming Ferrite. */
export const RESP_INFO = ['Ferrite CrimsonQ API', 'CrimsonQ-compatible RESP interface on the Ferrite engine'];

/** What Redis allows a subscribed connection to run (RESP2). */
const SUBSCRIBER_COMMANDS = new Set([
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'ping',
  'quit',
]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(arg: Buffer): string | null {
  try {
    return utf8.decode(arg);
  } catch {
    return null;
  }
}

export class RespConnection {
  private readonly parser: RequestParser;
  private readonly queue: Frame[] = [];
  private running: Promise<void> | null = null;
  private projectId: string | null = null;
  /** Subscribed consumer ids → removal from the subscribe channel. */
  private readonly channels = new Map<string, () => void>();
  private closing = false;
  private idle: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly settings: ConnectionSettings,
  ) {
    this.parser = new RequestParser(settings.limits);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.onClose());
    // A reset by the client ends the connection; 'close' follows and cleans up.
    socket.on('error', () => undefined);
    this.armIdle();
  }

  /** Stops taking commands, lets the one running finish, then closes. */
  async shutdown(): Promise<void> {
    this.queue.length = 0;
    await this.running;
    this.close();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const frames = this.parser.feed(chunk);
    this.queue.push(...frames);
    if (frames.length > 0 || (!this.idle && this.parser.midCommand)) this.armIdle();
    if (this.queue.length > 0) {
      // Read no more until these are answered: a client cannot make the server hold its whole pipeline.
      this.socket.pause();
      this.running ??= this.runQueue().finally(() => {
        this.running = null;
      });
    }
  }

  private async runQueue(): Promise<void> {
    let run = 0;
    while (this.queue.length > 0 && !this.closing) {
      // A long pipeline of quick commands would otherwise run in one go: other connections get their turn.
      if (++run % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      if (this.socket.writableLength > this.settings.maxOutputBytes) {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.socket.off('drain', done);
            this.socket.off('close', done);
            resolve();
          };
          this.socket.on('drain', done);
          this.socket.on('close', done);
        });
        continue;
      }
      const frame = this.queue.shift()!;
      if (frame.type === 'error') {
        this.reply(error(frame.message));
        this.close();
        return;
      }
      await this.run(frame.args);
    }
    if (!this.closing) this.socket.resume();
  }

  private reply(reply: Reply): void {
    if (this.closing || this.socket.destroyed) return;
    this.socket.write(encode(reply));
  }

  /** A message on a subscribed channel. A subscriber that does not read is disconnected, not buffered for. */
  private publish(channel: string, payload: string): void {
    if (this.closing || this.socket.destroyed) return;
    if (this.socket.writableLength > this.settings.maxOutputBytes) {
      this.settings.log.warn('RESP subscriber disconnected: it does not read its messages', {
        consumerId: channel,
        remote: this.socket.remoteAddress,
        unsentBytes: this.socket.writableLength,
      });
      this.socket.destroy();
      return;
    }
    this.socket.write(encode(array([bulk('message'), bulk(channel), bulk(payload)])));
  }

  private close(): void {
    if (this.closing) return;
    this.closing = true;
    this.queue.length = 0;
    this.clearIdle();
    this.socket.end();
    // What the client still sends is read and dropped for a moment, so that it reads the last reply.
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private onClose(): void {
    this.closing = true;
    this.queue.length = 0;
    this.clearIdle();
    for (const remove of this.channels.values()) remove();
    this.channels.clear();
  }

  private clearIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }

  /** (Re)starts the idle timer from now; a subscriber holding no half command has none. */
  private armIdle(): void {
    this.clearIdle();
    if (this.closing) return;
    if (this.channels.size > 0 && !this.parser.midCommand) return;
    this.idle = setTimeout(() => {
      this.settings.log.debug('RESP connection closed: idle', { remote: this.socket.remoteAddress });
      this.close();
    }, this.settings.idleTimeoutMs);
    this.idle.unref();
  }

  private async run(raw: Buffer[]): Promise<void> {
    const name = (decode(raw[0]!) ?? '').toLowerCase();
    const args = raw.slice(1).map(decode);
    if (this.projectId === null) {
      if (name === 'auth') return this.auth(args);
      if (name === 'hello') return this.hello(args);
      this.reply(error(RESP_TEXT.authRequired));
      this.close();
      return;
    }
    if (this.channels.size > 0 && !SUBSCRIBER_COMMANDS.has(name)) {
      this.reply(error(RESP_TEXT.subscribedMode(name)));
      return;
    }
    if (args.some((arg) => arg === null)) {
      this.reply(error(errorReplyOf(new InvalidInput('Arguments must be UTF-8'), name).text));
      return;
    }
    const text = args as string[];
    switch (name) {
      case 'auth':
        return this.auth(text);
      case 'hello':
        return this.hello(text);
      case 'quit':
        this.reply(simple(this.channels.size > 0 ? 'OK' : 'Bye!'));
        this.close();
        return;
      case 'ping':
        return this.ping(text);
      case 'subscribe':
        return this.subscribe(text);
      case 'unsubscribe':
      case 'punsubscribe':
        return this.unsubscribe(name, text);
      case 'psubscribe':
        this.reply(error('ERR PSUBSCRIBE is not supported: SUBSCRIBE to a consumer id'));
        return;
    }
    const command = TABLE.get(name);
    if (!command) {
      this.reply(error(RESP_TEXT.unknownCommand));
      return;
    }
    if (text.length !== command.args.length) {
      this.reply(error(RESP_TEXT.argumentCount(name, command.args, text.length)));
      return;
    }
    if (name === 'command') {
      this.reply(array(commandList().map((line) => bulk(line))));
      return;
    }
    if (name === 'info') {
      this.reply(array(RESP_INFO.map((line) => simple(line))));
      return;
    }
    const handler = ENGINE_COMMANDS[name as EngineCommand];
    try {
      this.reply(await handler({ deps: this.settings.deps, projectId: this.projectId }, text));
    } catch (thrown) {
      const { text: reply, unexpected } = errorReplyOf(thrown, name);
      if (unexpected) {
        this.settings.log.error('RESP command failed', {
          command: name,
          error: thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown),
        });
      }
      this.reply(error(reply));
    }
  }

  /** `AUTH <password>`: exactly one argument (Redis 6's `AUTH user pass` is a count error, as in CrimsonQ). */
  private async auth(args: (string | null)[]): Promise<void> {
    if (args.length !== 1) {
      this.reply(error(RESP_TEXT.argumentCount('auth', ['password'], args.length)));
      return;
    }
    if (!sameSecret(args[0] ?? '', this.settings.password)) {
      this.reply(error(RESP_TEXT.wrongPassword));
      return;
    }
    const projectId = this.settings.projectId;
    if (projectId === null || !(await projectExists(this.settings.deps, projectId))) {
      this.reply(error(RESP_TEXT.noProject));
      return;
    }
    this.projectId = projectId;
    this.reply(simple('ok'));
  }

  /**
   * `HELLO` (RESP3 negotiation, sent first by ioredis ≥ 6 and `redis-cli -3`): refused with NOPROTO, so clients
   * fall back to RESP2 and AUTH, and the connection stays open. A correct password in `HELLO … AUTH <user>
   * <password>` authenticates it, since the client's next pipelined commands follow before its fallback AUTH.
   */
  private async hello(args: (string | null)[]): Promise<void> {
    const at = args.findIndex((arg) => arg?.toLowerCase() === 'auth');
    const password = at >= 0 ? args[at + 2] : undefined;
    if (
      this.projectId === null &&
      typeof password === 'string' &&
      sameSecret(password, this.settings.password)
    ) {
      const projectId = this.settings.projectId;
      if (projectId !== null && (await projectExists(this.settings.deps, projectId)))
        this.projectId = projectId;
    }
    this.reply(error(RESP_TEXT.noProtocol));
  }

  /** `ping m` → `+Pong! m` (CrimsonQ); bare `PING` → `+PONG`; subscribed: Redis's `*2 pong m`. */
  private ping(args: string[]): void {
    if (this.channels.size > 0) {
      this.reply(array([bulk('pong'), bulk(args[0] ?? '')]));
      return;
    }
    if (args.length === 0) {
      this.reply(simple('PONG'));
      return;
    }
    if (args.length > 1) {
      this.reply(error(RESP_TEXT.argumentCount('ping', ['messageString'], args.length)));
      return;
    }
    this.reply(simple(`Pong! ${args[0]}`));
  }

  /**
   * `SUBSCRIBE <consumerId> [<consumerId> …]`: every consumer must exist (else 001 and nothing subscribed).
   * More than one id is taken, as by Redis, because ioredis subscribes every channel in one command again
   * after a reconnect. Each gets Redis's confirmation `*3 subscribe <id> <count>`.
   */
  private async subscribe(ids: string[]): Promise<void> {
    if (ids.length === 0) {
      this.reply(error(RESP_TEXT.argumentCount('subscribe', ['consumerId'], 0)));
      return;
    }
    const { deps, subscriptions } = this.settings;
    const projectId = this.projectId!;
    for (const id of ids) {
      if ((await consumerInfo(deps, projectId, id)) === null) {
        this.reply(error(errorReplyOf(new QueueNotFound(id), 'subscribe').text));
        return;
      }
    }
    if (this.closing) return;
    const confirmations: Reply[] = [];
    for (const id of ids) {
      if (!this.channels.has(id)) {
        const remove = subscriptions.add(projectId, id, {
          messages: (posted) => posted.forEach((messageId) => this.publish(id, messageId)),
          pendingCount: (count) => this.publish(id, `pendingCount:${count}`),
          // Kept subscribed: a consumer created again under the same id is announced again.
          gone: () => undefined,
          shutdown: () => this.close(),
        });
        this.channels.set(id, remove);
      }
      confirmations.push(array([bulk('subscribe'), bulk(id), integer(this.channels.size)]));
    }
    confirmations.forEach((confirmation) => this.reply(confirmation));
    this.armIdle();
  }

  /** `UNSUBSCRIBE [id …]` (all without ids); `PUNSUBSCRIBE` has no patterns to remove. Redis's replies. */
  private unsubscribe(name: 'unsubscribe' | 'punsubscribe', ids: string[]): void {
    const targets = name === 'punsubscribe' ? [] : ids.length > 0 ? ids : [...this.channels.keys()];
    if (targets.length === 0) {
      this.reply(array([bulk(name), bulk(null), integer(this.channels.size)]));
      return;
    }
    for (const id of targets) {
      this.channels.get(id)?.();
      this.channels.delete(id);
      this.reply(array([bulk(name), bulk(id), integer(this.channels.size)]));
    }
    this.armIdle();
  }
}
