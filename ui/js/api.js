/**
 * The IronMQ v3 calls the dashboard makes, against the server that served it (same origin), with the token in
 * `Authorization: OAuth`. Every failure becomes an ApiError: `status` 0 when the server could not be reached.
 */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, or 0 when no answer came back
   * @param {string} message the server's `msg`, or a description of the network failure
   */
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }

  /** The route or feature is not there (yet): optional panels hide themselves on these. */
  get isUnsupported() {
    return this.status === 404 || this.status === 400 || this.status === 405;
  }
}

/** The most queues one list request returns (the server caps `per_page` at 100). */
export const MAX_PER_PAGE = 100;

/** The most messages one peek returns. */
export const MAX_PEEK = 100;

const segment = (value) => encodeURIComponent(value);

/**
 * @param {{ projectId: string, token: string }} credentials
 */
export function createApi({ projectId, token }) {
  const root = `/3/projects/${segment(projectId)}`;

  async function request(method, path, { query, body } = {}) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
    }
    const qs = search.toString();
    const url = `${root}${path}${qs ? `?${qs}` : ''}`;
    const headers = { Authorization: `OAuth ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'Cannot reach the Ferrite server');
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    if (!response.ok) {
      const msg = payload && typeof payload.msg === 'string' ? payload.msg : response.statusText;
      throw new ApiError(response.status, msg || `HTTP ${response.status}`);
    }
    return payload ?? {};
  }

  const queuePath = (name) => `/queues/${segment(name)}`;

  return {
    projectId,

    /** Queues in name order after `previous`, starting with `prefix`, with their size and totals. */
    async listQueues({ prefix, previous, perPage } = {}) {
      const result = await request('GET', '/queues', {
        query: { prefix, previous, per_page: perPage, detail: 'true' },
      });
      return result.queues ?? [];
    },

    async getQueue(name) {
      return (await request('GET', queuePath(name))).queue;
    },

    /** @param {object} settings the wire `queue` object: message_timeout, message_expiration, dead_letter … */
    async updateQueue(name, settings) {
      return (await request('PATCH', queuePath(name), { body: { queue: settings } })).queue;
    },

    async deleteQueue(name) {
      await request('DELETE', queuePath(name));
    },

    /** Posts messages (creating the queue when missing); resolves to their ids. */
    async postMessages(name, messages) {
      return (await request('POST', `${queuePath(name)}/messages`, { body: { messages } })).ids ?? [];
    },

    /** The first `n` messages, without reserving them. */
    async peekMessages(name, n) {
      return (await request('GET', `${queuePath(name)}/messages`, { query: { n } })).messages ?? [];
    },

    async clearQueue(name) {
      await request('DELETE', `${queuePath(name)}/messages`, { body: {} });
    },

    /**
     * A queue's activity over time: `{ hour: { interval, buckets }, day: … }` (only `period` when given), each
     * bucket with posted, reserved, deleted, expired, dead_lettered and size.
     */
    async queueStats(name, period) {
      return (await request('GET', `${queuePath(name)}/stats`, { query: { period } })).stats;
    },

    /** The same for the whole project, every queue summed. */
    async projectStats(period) {
      return (await request('GET', '/stats', { query: { period } })).stats;
    },

    /** Where a dead-letter queue's messages would go: `{ sources: [queue], messages: [{ from, count }] }`. */
    async redriveSources(name) {
      return (await request('GET', `${queuePath(name)}/redrive`)).redrive;
    },

    /** Moves dead letters back (or `to` a queue), all or the first `n`: `{ moved, queues, skipped, left }`. */
    async redrive(name, { n, to } = {}) {
      const body = {};
      if (n) body.n = n;
      if (to) body.to = to;
      return request('POST', `${queuePath(name)}/redrive`, { body });
    },

    /** The messages held under a reservation now, oldest first, without their reservation ids. */
    async listReserved(name, n) {
      return (await request('GET', `${queuePath(name)}/reservations`, { query: { n } })).messages ?? [];
    },

    /** Adds push subscribers, or updates those with the same name. */
    async addSubscribers(name, subscribers) {
      await request('POST', `${queuePath(name)}/subscribers`, { body: { subscribers } });
    },

    /** Removes push subscribers by name (a push queue keeps at least one). */
    async removeSubscribers(name, names) {
      const subscribers = names.map((subscriber) => ({ name: subscriber }));
      await request('DELETE', `${queuePath(name)}/subscribers`, { body: { subscribers } });
    },

    /** Adds alerts to a pull queue; resolves to the queue with its alerts (and their new ids). */
    async addAlerts(name, alerts) {
      return (await request('POST', `${queuePath(name)}/alerts`, { body: { alerts } })).queue;
    },

    async deleteAlert(name, alertId) {
      await request('DELETE', `${queuePath(name)}/alerts/${segment(alertId)}`);
    },

    /** A push queue message's delivery status per subscriber (push queues land later: 404 until then). */
    async getPushStatuses(name, messageId) {
      const path = `${queuePath(name)}/messages/${segment(messageId)}/subscribers`;
      return (await request('GET', path)).subscribers ?? [];
    },

    /**
     * A CrimsonQ call under /api (same token, for this token's project): resolves to the JSON answer; its
     * errors are text/plain codes such as `003:consumer_not_found`, which become the ApiError's message.
     */
    async crimsonq(method, path, body) {
      const headers = { Authorization: `OAuth ${token}`, Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let response;
      try {
        response = await fetch(`/api/${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: 'no-store',
          credentials: 'omit',
        });
      } catch {
        throw new ApiError(0, 'Cannot reach the Ferrite server');
      }
      const text = await response.text().catch(() => '');
      if (!response.ok) throw new ApiError(response.status, text.trim() || `HTTP ${response.status}`);
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    },
  };
}
