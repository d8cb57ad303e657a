/**
 * Minimal types for npm `iron_mq` 0.9.3 (plain JS, no bundled types), written from its lib/client.js and
 * iron_core's lib/client.js. Only what the compatibility tests use; the callback values are what the client
 * hands back (often the whole parsed response body), so they are kept loose.
 */
declare module 'iron_mq' {
  export type Callback<T> = (error: Error | null, value: T) => void;

  /** The keys iron_core reads (its `optionsList`); unset ones fall back to config files, IRON_* env, defaults. */
  export interface ClientOptions {
    project_id?: string;
    token?: string;
    host?: string;
    port?: number;
    scheme?: string;
    api_version?: number | string;
    user_agent?: string;
    queue_name?: string;
    /** A config file to read; the tests never pass one. */
    config?: string;
    env?: string;
  }

  export interface Message {
    id: string;
    body: string;
    reserved_count?: number;
    reservation_id?: string;
    [field: string]: unknown;
  }

  export interface NewMessage {
    body: string;
    delay?: number;
    push_headers?: Record<string, string>;
    [field: string]: unknown;
  }

  export interface QueueInfo {
    name: string;
    size?: number;
    total_messages?: number;
    message_timeout?: number;
    message_expiration?: number;
    [field: string]: unknown;
  }

  export interface QueueSettings {
    message_timeout?: number;
    message_expiration?: number;
    type?: string;
    [field: string]: unknown;
  }

  export interface ReserveOptions {
    n?: number;
    timeout?: number;
    wait?: number;
    delete?: boolean;
  }

  export interface ListOptions {
    per_page?: number;
    previous?: string;
    prefix?: string;
  }

  export type ResponseBody = Record<string, unknown>;

  export class Client {
    constructor(options?: ClientOptions);
    /** The iron_core API client; `options` holds the resolved configuration. */
    api: { options: Required<Omit<ClientOptions, 'config' | 'env'>> };
    queue(name: string): Client;

    create_queue(name: string, options: QueueSettings | undefined, cb?: Callback<ResponseBody>): void;
    update_queue(name: string, options: QueueSettings, cb?: Callback<ResponseBody>): void;
    update(options: QueueSettings, cb?: Callback<ResponseBody>): void;
    queues(options: ListOptions, cb: Callback<QueueInfo[]>): void;
    info(cb: Callback<QueueInfo>): void;
    clear(cb?: Callback<ResponseBody>): void;
    del_queue(cb?: Callback<ResponseBody>): void;

    /** One message → its id; several → the ids. */
    post(messages: string | NewMessage | (string | NewMessage)[], cb?: Callback<string | string[]>): void;
    /** n absent or 1 → a message (undefined when none); otherwise an array. */
    reserve(options: ReserveOptions, cb: Callback<Message | Message[] | undefined>): void;
    get(options: ReserveOptions, cb: Callback<Message | Message[] | undefined>): void;
    get_n(options: ReserveOptions, cb: Callback<Message[]>): void;
    peek(options: { n?: number }, cb: Callback<Message | Message[] | undefined>): void;
    peek_n(options: { n?: number }, cb: Callback<Message[]>): void;
    msg_get(id: string, cb: Callback<Message>): void;
    del(
      id: string,
      options: { reservation_id?: string; subscriber_name?: string },
      cb?: Callback<ResponseBody>,
    ): void;
    del_multiple(
      options: { ids?: string[]; reservation_ids?: { id: string; reservation_id?: string }[] },
      cb?: Callback<ResponseBody>,
    ): void;
    msg_touch(
      id: string,
      reservationId: string,
      options: { timeout?: number },
      cb: Callback<ResponseBody>,
    ): void;
    msg_release(
      id: string,
      reservationId: string,
      options: { delay?: number },
      cb?: Callback<ResponseBody>,
    ): void;

    // Push queues (not exercised yet).
    add_subscribers(subscribers: object | object[], cb?: Callback<ResponseBody>): void;
    rpl_subscribers(subscribers: object | object[], cb?: Callback<ResponseBody>): void;
    rm_subscribers(subscribers: object | object[], cb?: Callback<ResponseBody>): void;
    msg_push_statuses(id: string, cb: Callback<ResponseBody>): void;
    del_msg_push_status(
      id: string,
      reservationId: string,
      subscriberName: string,
      cb?: Callback<ResponseBody>,
    ): void;
  }
}
