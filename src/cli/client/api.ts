import { projectUrl, type ClientSettings } from './settings';

/** The wire shapes the client reads (see openapi.yaml). */
export interface WireQueue {
  name: string;
  size: number;
  total_messages: number;
  type?: string;
  message_timeout?: number;
  message_expiration?: number;
  [field: string]: unknown;
}

export interface WireMessage {
  id: string;
  body: string;
  reserved_count: number;
  reservation_id?: string;
  reserved_until?: string;
  [field: string]: unknown;
}

export interface WireRedriven {
  msg: string;
  moved: number;
  queues: Record<string, number>;
  skipped: number;
  left: number;
}

export interface WireRedriveSources {
  sources: string[];
  messages: { from: string | null; count: number }[];
}

/** The server answered with an error status; `msg` is IronMQ's error text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    msg: string,
  ) {
    super(`${status} ${msg}`);
  }
}

/** The longest a request may take: a long poll waits up to 30 s, and the answer needs time to arrive. */
const REQUEST_TIMEOUT_MS = 60_000;

/** IronMQ's queue routes over Node's fetch, authenticated with the project token. */
export class IronMqApi {
  private readonly base: string;

  constructor(
    private readonly settings: ClientSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = projectUrl(settings);
  }

  /** Every queue whose name starts with `prefix`, following the pages. */
  async listQueues(prefix = ''): Promise<WireQueue[]> {
    const all: WireQueue[] = [];
    for (let previous = ''; ;) {
      const query = new URLSearchParams({ per_page: '100', detail: 'true' });
      if (prefix !== '') query.set('prefix', prefix);
      if (previous !== '') query.set('previous', previous);
      const { queues } = await this.call<{ queues: WireQueue[] }>('GET', `/queues?${query.toString()}`);
      all.push(...queues);
      const last = queues[queues.length - 1];
      if (queues.length < 100 || last === undefined) return all;
      previous = last.name;
    }
  }

  async getQueue(queue: string): Promise<WireQueue> {
    return (await this.call<{ queue: WireQueue }>('GET', `/queues/${enc(queue)}`)).queue;
  }

  async postMessages(queue: string, messages: { body: string; delay?: number }[]): Promise<string[]> {
    return (await this.call<{ ids: string[] }>('POST', `/queues/${enc(queue)}/messages`, { messages })).ids;
  }

  async reserve(
    queue: string,
    options: { n?: number; timeout?: number; wait?: number; delete?: boolean },
  ): Promise<WireMessage[]> {
    const { messages } = await this.call<{ messages: WireMessage[] }>(
      'POST',
      `/queues/${enc(queue)}/reservations`,
      options,
    );
    return messages;
  }

  async peek(queue: string, n: number): Promise<WireMessage[]> {
    return (await this.call<{ messages: WireMessage[] }>('GET', `/queues/${enc(queue)}/messages?n=${n}`))
      .messages;
  }

  async deleteMessage(queue: string, id: string, reservationId: string | undefined): Promise<string> {
    const body = reservationId === undefined ? {} : { reservation_id: reservationId };
    return (await this.call<{ msg: string }>('DELETE', `/queues/${enc(queue)}/messages/${enc(id)}`, body))
      .msg;
  }

  /** Deletes all the listed messages or none of them. */
  async deleteMessages(queue: string, ids: string[]): Promise<string> {
    const body = { ids: ids.map((id) => ({ id })) };
    return (await this.call<{ msg: string }>('DELETE', `/queues/${enc(queue)}/messages`, body)).msg;
  }

  async clear(queue: string): Promise<string> {
    return (await this.call<{ msg: string }>('DELETE', `/queues/${enc(queue)}/messages`, {})).msg;
  }

  /** Moves dead letters of `queue` back where they came from (or to `to`): all, or the first `n`. */
  async redrive(queue: string, options: { n?: number; to?: string }): Promise<WireRedriven> {
    return this.call<WireRedriven>('POST', `/queues/${enc(queue)}/redrive`, options);
  }

  /** Where the dead letters of `queue` would go. */
  async redriveSources(queue: string): Promise<WireRedriveSources> {
    return (await this.call<{ redrive: WireRedriveSources }>('GET', `/queues/${enc(queue)}/redrive`)).redrive;
  }

  private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await this.fetchImpl(`${this.base}${route}`, {
      method,
      headers: {
        Authorization: `OAuth ${this.settings.token}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new ApiError(
        response.status,
        `the server answered with something other than JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!response.ok) {
      const msg = (json as { msg?: unknown }).msg;
      throw new ApiError(response.status, typeof msg === 'string' ? msg : response.statusText);
    }
    return json as T;
  }
}

/** Queue names may hold spaces, `:` or `+`; message ids are digits, encoded all the same. */
function enc(segment: string): string {
  return encodeURIComponent(segment);
}
