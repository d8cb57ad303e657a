import { InvalidInput } from './errors';
import type { QueueSettings } from './types';

/** Documented IronMQ v3 limits and defaults (spec §6). Wire validation and the engine both read these. */
export const LIMITS = {
  maxMessagesPerPost: 100,
  maxReserve: 100,
  maxPeek: 100,
  maxWaitSeconds: 30,
  minTimeoutSeconds: 1,
  maxTimeoutSeconds: 86_400,
  maxDelaySeconds: 604_800,
  maxExpirationSeconds: 2_592_000,
  maxBatchDelete: 100,
  defaultPerPage: 30,
  /** Larger per_page values are capped, not refused: the Go client sends 101. */
  maxPerPage: 100,
  minDeadLetterReservations: 1,
  maxDeadLetterReservations: 1000,
  defaultDeadLetterReservations: 10,
  maxQueueNameLength: 255,
  maxPushHeaders: 5,
  maxPushHeaderNameBytes: 64,
  maxPushHeaderValueBytes: 1024,
  /** A redrive's `n` (0: all): any count a queue can hold. */
  maxRedrive: 1_000_000_000,
} as const;

export const DEFAULTS = {
  messageTimeout: 60,
  messageExpiration: 604_800,
} as const;

/** A pull queue with default settings: what posting to a missing queue creates. */
export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  type: 'pull',
  messageTimeout: DEFAULTS.messageTimeout,
  messageExpiration: DEFAULTS.messageExpiration,
  deadLetter: null,
  push: null,
  alerts: [],
  topics: [],
  onTimeout: 'requeue',
  overdueTimeout: 0,
  maxInFlight: 0,
  retainCompleted: false,
  idleExpiry: 0,
  sqs: null,
  tags: {},
};

// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Queue names may hold spaces, ':', '+', '=' and any Unicode, but no '/', control characters or dot-only names. */
export function checkQueueName(name: string, field = 'queue name'): void {
  if (name.length === 0) throw new InvalidInput(`The ${field} must not be empty`);
  if ([...name].length > LIMITS.maxQueueNameLength) {
    throw new InvalidInput(`The ${field} is longer than ${LIMITS.maxQueueNameLength} characters`);
  }
  if (name.includes('/') || CONTROL_CHARS.test(name) || name === '.' || name === '..') {
    throw new InvalidInput(`The ${field} contains a character that is not allowed`);
  }
}

const FORBIDDEN_PUSH_HEADERS = /^(content-type|user-agent|iron-.*)$/i;

/**
 * Headers the HTTP client derives from the request itself (framing, connection handling). A subscriber or message
 * giving one would make every delivery fail (undici refuses them, or the body no longer matches), so they are
 * refused when set.
 */
export const TRANSPORT_HEADERS =
  /^(content-length|transfer-encoding|connection|keep-alive|proxy-connection|upgrade|expect|te|trailer)$/i;

/** Push-header rules from the IronMQ docs: at most 5, short names, no reserved ones, values up to 1 KiB. */
export function checkPushHeaders(headers: Record<string, string>): void {
  const names = Object.keys(headers);
  if (names.length > LIMITS.maxPushHeaders) {
    throw new InvalidInput(`push_headers may hold at most ${LIMITS.maxPushHeaders} headers`);
  }
  for (const name of names) {
    if (
      !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) ||
      Buffer.byteLength(name) > LIMITS.maxPushHeaderNameBytes
    ) {
      throw new InvalidInput(
        `push_headers name "${name.slice(0, 80)}" is not a valid header name of at most 64 bytes`,
      );
    }
    if (FORBIDDEN_PUSH_HEADERS.test(name) || TRANSPORT_HEADERS.test(name)) {
      throw new InvalidInput(`push_headers may not set ${name}`);
    }
    const value = headers[name]!;
    if (
      Buffer.byteLength(value) > LIMITS.maxPushHeaderValueBytes ||
      CONTROL_CHARS.test(value.replace(/\t/g, ''))
    ) {
      throw new InvalidInput(
        `push_headers value of ${name} must be at most 1024 bytes without control characters`,
      );
    }
  }
}
