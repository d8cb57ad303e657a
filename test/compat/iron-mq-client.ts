import {
  Client,
  type Callback,
  type ClientOptions,
  type ListOptions,
  type Message,
  type NewMessage,
  type QueueInfo,
  type QueueSettings,
  type ReserveOptions,
  type ResponseBody,
} from 'iron_mq';
import type { TestServer } from '../helpers/server';

/** The User-Agent iron_mq 0.9.3 sends by default (its package version); set explicitly so nothing is looked up. */
export const IRON_MQ_USER_AGENT = '0.9.3';

/**
 * Every key iron_core reads, set explicitly: a key left unset would be filled from ./iron.json, ~/.iron.json,
 * $IRON_CONFIG or IRON_* / IRON_MQ_* env vars of the machine running the tests.
 */
export function clientOptions(
  server: TestServer,
  overrides: Partial<ClientOptions> = {},
): Required<Omit<ClientOptions, 'config' | 'env'>> {
  return {
    project_id: server.projectId,
    token: server.token,
    host: '127.0.0.1',
    port: server.port,
    scheme: 'http',
    api_version: 3,
    user_agent: IRON_MQ_USER_AGENT,
    queue_name: 'default',
    ...overrides,
  };
}

/** Runs a callback-style client call and settles with what the client hands to its callback. */
function call<T>(run: (cb: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((error, value) => (error ? reject(error) : resolve(value)));
  });
}

type Reserved = Message | Message[] | undefined;

/** What reserve/get/peek hand back for n absent or 1; an array here would be a client or server bug. */
function one(value: Reserved): Message | undefined {
  if (Array.isArray(value)) throw new Error('expected one message, got an array');
  return value;
}

/** What reserve/get/peek hand back for n > 1. */
function many(value: Reserved): Message[] {
  if (!Array.isArray(value)) throw new Error(`expected an array of messages, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * The official client bound to one queue, with each method promisified. Results are exactly what the client
 * passes to its callback (e.g. `post` of one message gives its id, `reserve` without n gives one message).
 */
export class IronQueue {
  constructor(readonly client: Client) {}

  get name(): string {
    return this.client.api.options.queue_name;
  }

  /** The same server and credentials, another queue (the client's own `queue(name)`). */
  queue(name: string): IronQueue {
    return new IronQueue(this.client.queue(name));
  }

  createQueue(name: string, settings?: QueueSettings): Promise<ResponseBody> {
    return call((cb) => this.client.create_queue(name, settings, cb));
  }
  updateQueue(name: string, settings: QueueSettings): Promise<ResponseBody> {
    return call((cb) => this.client.update_queue(name, settings, cb));
  }
  update(settings: QueueSettings): Promise<ResponseBody> {
    return call((cb) => this.client.update(settings, cb));
  }
  queues(options: ListOptions = {}): Promise<QueueInfo[]> {
    return call((cb) => this.client.queues(options, cb));
  }
  info(): Promise<QueueInfo> {
    return call((cb) => this.client.info(cb));
  }
  clear(): Promise<ResponseBody> {
    return call((cb) => this.client.clear(cb));
  }
  delQueue(): Promise<ResponseBody> {
    return call((cb) => this.client.del_queue(cb));
  }

  post(message: string | NewMessage): Promise<string>;
  post(messages: (string | NewMessage)[]): Promise<string | string[]>;
  post(messages: string | NewMessage | (string | NewMessage)[]): Promise<string | string[]> {
    return call((cb) => this.client.post(messages, cb));
  }
  /** `reserve` with n absent or 1: one message, or undefined when none is available. */
  reserve(options: ReserveOptions = {}): Promise<Message | undefined> {
    return call<Reserved>((cb) => this.client.reserve(options, cb)).then(one);
  }
  /** `reserve` with n > 1: an array. */
  reserveMany(options: ReserveOptions & { n: number }): Promise<Message[]> {
    return call<Reserved>((cb) => this.client.reserve(options, cb)).then(many);
  }
  /** `get` (an alias of reserve) with n absent or 1. */
  get(options: ReserveOptions = {}): Promise<Message | undefined> {
    return call<Reserved>((cb) => this.client.get(options, cb)).then(one);
  }
  /** `get` with n > 1: an array. */
  getMany(options: ReserveOptions & { n: number }): Promise<Message[]> {
    return call<Reserved>((cb) => this.client.get(options, cb)).then(many);
  }
  getN(options: ReserveOptions = {}): Promise<Message[]> {
    return call((cb) => this.client.get_n(options, cb));
  }
  /** `peek` with n absent or 1. */
  peek(options: { n?: 1 } = {}): Promise<Message | undefined> {
    return call<Reserved>((cb) => this.client.peek(options, cb)).then(one);
  }
  /** `peek` with n > 1: an array. */
  peekMany(options: { n: number }): Promise<Message[]> {
    return call<Reserved>((cb) => this.client.peek(options, cb)).then(many);
  }
  peekN(options: { n?: number } = {}): Promise<Message[]> {
    return call((cb) => this.client.peek_n(options, cb));
  }
  msgGet(id: string): Promise<Message> {
    return call((cb) => this.client.msg_get(id, cb));
  }
  del(id: string, options: { reservation_id?: string } = {}): Promise<ResponseBody> {
    return call((cb) => this.client.del(id, options, cb));
  }
  delMultiple(options: {
    ids?: string[];
    reservation_ids?: { id: string; reservation_id?: string }[];
  }): Promise<ResponseBody> {
    return call((cb) => this.client.del_multiple(options, cb));
  }
  msgTouch(id: string, reservationId: string, options: { timeout?: number } = {}): Promise<ResponseBody> {
    return call((cb) => this.client.msg_touch(id, reservationId, options, cb));
  }
  msgRelease(id: string, reservationId: string, options: { delay?: number } = {}): Promise<ResponseBody> {
    return call((cb) => this.client.msg_release(id, reservationId, options, cb));
  }
}

/** The official iron_mq client pointed at a test server, on queue `queueName`. */
export function ironQueue(
  server: TestServer,
  queueName: string,
  overrides: Partial<ClientOptions> = {},
): IronQueue {
  return new IronQueue(new Client(clientOptions(server, { queue_name: queueName, ...overrides })));
}
