import type { RequestHandler } from 'express';
import type { Schema } from 'express-validator';
import { ALERT_LIMITS } from '../../domain/alerts';
import { LIMITS } from '../../domain/limits';
import { PUSH_LIMITS } from '../../domain/push';
import { TOPIC_LIMITS } from '../../domain/topics';
import { InvalidInput } from '../../domain/errors';
import * as checks from './field-checks';
import { checkBody, checkQuery, requiredArray, stableQuery } from './field-checks';
import { checkMessages } from './messages-rule';
import {
  optionalBoolean,
  optionalObject,
  optionalString,
  requiredString,
  validate,
  wholeNumber,
} from './validate';

/** Request rules per route, compiled once at start. Zero means "default" wherever a number is optional. */

const queueBody: Schema = {
  queue: optionalObject,
  'queue.message_timeout': wholeNumber(0, LIMITS.maxTimeoutSeconds),
  'queue.message_expiration': wholeNumber(0, LIMITS.maxExpirationSeconds),
  'queue.type': {
    optional: { options: { values: 'falsy' } },
    isString: { errorMessage: 'must be pull, multicast or unicast', bail: true },
    isIn: { options: [['pull', 'multicast', 'unicast']], errorMessage: 'must be pull, multicast or unicast' },
  },
  'queue.dead_letter': optionalObject,
  'queue.dead_letter.queue_name': {
    optional: { options: { values: 'null' } },
    isString: { errorMessage: 'must be a string' },
  },
  'queue.dead_letter.max_reservations': wholeNumber(0, LIMITS.maxDeadLetterReservations),
  'queue.push': optionalObject,
  'queue.push.subscribers': {
    optional: { options: { values: 'null' } },
    isArray: {
      options: { max: PUSH_LIMITS.maxSubscribers },
      errorMessage: 'must be an array of subscribers',
    },
  },
  ...subscriberFields('queue.push.subscribers.*'),
  'queue.push.retries': wholeNumber(0, PUSH_LIMITS.maxRetries),
  'queue.push.retries_delay': wholeNumber(0, PUSH_LIMITS.maxRetriesDelay),
  'queue.push.error_queue': optionalString,
  'queue.alerts': {
    optional: { options: { values: 'null' } },
    isArray: {
      options: { max: ALERT_LIMITS.maxAlerts },
      errorMessage: `must be an array of at most ${ALERT_LIMITS.maxAlerts} alerts`,
    },
  },
  ...alertFields('queue.alerts.*'),
  // Extensions: the CrimsonQ model on IronMQ queues (README "CrimsonQ API").
  'queue.topics': {
    optional: { options: { values: 'null' } },
    isArray: { options: { max: TOPIC_LIMITS.maxFilters }, errorMessage: 'must be an array of topic filters' },
  },
  'queue.topics.*': { isString: { errorMessage: 'must be a string' } },
  'queue.max_in_flight': wholeNumber(0, 1_000_000),
  'queue.on_timeout': {
    optional: { options: { values: 'null' } },
    isIn: { options: [['requeue', 'overdue']], errorMessage: 'must be requeue or overdue' },
  },
  'queue.overdue_timeout': wholeNumber(0, LIMITS.maxTimeoutSeconds),
  'queue.retain_completed': optionalBoolean,
  'queue.idle_expiry': wholeNumber(0, LIMITS.maxExpirationSeconds),
};

function subscriberFields(prefix: string): Schema {
  return {
    [prefix]: { isObject: { errorMessage: 'must be a JSON object' } },
    [`${prefix}.name`]: optionalString,
    // Go's RemoveSubscribers sends "url": "" beside the name.
    [`${prefix}.url`]: optionalString,
    [`${prefix}.headers`]: {
      optional: { options: { values: 'null' } },
      isObject: { errorMessage: 'must be a JSON object' },
      custom: {
        options: (value: Record<string, unknown>) => Object.values(value).every((v) => typeof v === 'string'),
        errorMessage: 'values must be strings',
      },
    },
  };
}

function alertFields(prefix: string): Schema {
  return {
    [prefix]: { isObject: { errorMessage: 'must be a JSON object' } },
    [`${prefix}.id`]: optionalString,
    [`${prefix}.type`]: optionalString,
    [`${prefix}.direction`]: optionalString,
    [`${prefix}.trigger`]: wholeNumber(0, ALERT_LIMITS.maxTrigger),
    [`${prefix}.queue`]: optionalString,
    [`${prefix}.snooze`]: wholeNumber(0, ALERT_LIMITS.maxSnooze),
  };
}

const messagesBody: Schema = {
  messages: {
    exists: { errorMessage: 'is required' },
    isArray: {
      options: { min: 1, max: LIMITS.maxMessagesPerPost },
      errorMessage: `must be an array of 1 to ${LIMITS.maxMessagesPerPost} messages`,
    },
    // Every element, one walk per field (see messages-rule.ts).
    custom: { options: checkMessages },
  },
};

const subscribersBody: Schema = {
  subscribers: {
    exists: { errorMessage: 'is required' },
    isArray: {
      options: { min: 1, max: PUSH_LIMITS.maxSubscribers },
      errorMessage: 'must be a non-empty array',
    },
  },
  ...subscriberFields('subscribers.*'),
};

const alertsBody: Schema = {
  alerts: {
    exists: { errorMessage: 'is required' },
    isArray: {
      options: { max: ALERT_LIMITS.maxAlerts },
      errorMessage: `must be an array of at most ${ALERT_LIMITS.maxAlerts} alerts`,
    },
  },
  ...alertFields('alerts.*'),
};

export const rules = {
  putQueue: validate(queueBody, 'body'),

  listQueues: withStableQuery(
    validate(
      {
        per_page: wholeNumber(0, Number.MAX_SAFE_INTEGER),
        previous: optionalString,
        prefix: optionalString,
        detail: optionalBoolean,
      },
      'query',
    ),
  ),

  postMessages: checkBody((body) => {
    const messages = requiredArray(
      body,
      'messages',
      1,
      LIMITS.maxMessagesPerPost,
      `must be an array of 1 to ${LIMITS.maxMessagesPerPost} messages`,
    );
    try {
      checkMessages(messages);
    } catch (error) {
      // "[3].body must be a string" continues the path: messages[3].body.
      throw new InvalidInput(`messages${(error as Error).message}`);
    }
  }),

  publish: validate({ topic: requiredString, ...messagesBody }, 'body'),

  reserve: checkBody((body) => {
    checks.wholeNumber(body, 'n', 0, LIMITS.maxReserve);
    checks.wholeNumber(body, 'timeout', 0, LIMITS.maxTimeoutSeconds);
    checks.wholeNumber(body, 'wait', 0, LIMITS.maxWaitSeconds);
    checks.optionalBoolean(body, 'delete');
  }),

  peek: checkQuery((query) => checks.wholeNumber(query, 'n', 0, LIMITS.maxPeek)),

  listReserved: checkQuery((query) => checks.wholeNumber(query, 'n', 0, LIMITS.maxPeek)),

  stats: withStableQuery(
    validate(
      {
        period: {
          optional: { options: { values: 'null' } },
          // A repeated parameter is an array, which isIn would check item by item.
          custom: {
            options: (value: unknown) => typeof value === 'string',
            errorMessage: 'must be hour or day',
          },
          isIn: { options: [['hour', 'day']], errorMessage: 'must be hour or day' },
        },
      },
      'query',
    ),
  ),

  redrive: validate({ n: wholeNumber(0, LIMITS.maxRedrive), to: optionalString }, 'body'),

  deleteMessage: checkBody((body) => {
    checks.optionalString(body, 'reservation_id');
    checks.optionalString(body, 'subscriber_name');
  }),

  subscribers: validate(subscribersBody, 'body'),

  alerts: validate(alertsBody, 'body'),

  deleteAlerts: validate(
    {
      alerts: {
        exists: { errorMessage: 'is required' },
        isArray: {
          options: { min: 1, max: ALERT_LIMITS.maxAlerts },
          errorMessage: 'must be a non-empty array',
        },
      },
      'alerts.*': { isObject: { errorMessage: 'must be a JSON object' } },
      'alerts.*.id': requiredString,
    },
    'body',
  ),

  deleteMessages: checkBody((body) => {
    const ids = body.ids;
    if (ids === undefined || ids === null) return;
    if (!Array.isArray(ids) || ids.length > LIMITS.maxBatchDelete) {
      throw new InvalidInput(`ids must be an array of at most ${LIMITS.maxBatchDelete} ids`);
    }
    if (!(ids as unknown[]).every(isMessageRef)) {
      throw new InvalidInput(
        'ids must hold message ids, or objects with a string id and an optional reservation_id',
      );
    }
  }),

  touch: checkBody((body) => {
    checks.requiredString(body, 'reservation_id');
    checks.wholeNumber(body, 'timeout', 0, LIMITS.maxTimeoutSeconds);
  }),

  release: checkBody((body) => {
    checks.requiredString(body, 'reservation_id');
    checks.wholeNumber(body, 'delay', 0, LIMITS.maxDelaySeconds);
  }),
};

function isMessageRef(item: unknown): boolean {
  if (typeof item === 'string') return true;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const { id, reservation_id: reservationId } = item as { id?: unknown; reservation_id?: unknown };
  const idOk = typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id));
  return idOk && (reservationId === undefined || reservationId === null || typeof reservationId === 'string');
}

/** Runs an express-validator rule over a stable copy of the query (see stableQuery). */
function withStableQuery(rule: RequestHandler): RequestHandler {
  return (req, res, next) => {
    stableQuery(req);
    return rule(req, res, next);
  };
}
