import { existingConsumer, messageIdOf, statusParam } from '../domain/consumers';
import { consumerToCq, countsToCq, messageToCq } from '../domain/crimsonq-json';
import { CQ_ERROR, goJson, type CommandName } from '../domain/crimsonq-wire';
import { InvalidInput, QueueNotFound } from '../domain/errors';
import { parseFilters } from '../domain/topics';
import type { ConsumerStatus } from '../domain/types';
import * as consumers from '../engine/consumers';
import type { EngineDeps } from '../engine/deps';
import { array, bulk, error, simple, type Reply } from './reply';

/**
 * The consumer and message commands of CrimsonQ's table over RESP (spec crimsonq §3.1), each one call of the
 * engine functions the REST API uses (src/engine/consumers.ts), so one store transaction through the same
 * group commit. Replies are CrimsonQ's: simple strings (`+Ok`, `+ok`, `+Created:<id>`, `+true`, JSON text),
 * arrays of bulk or simple strings; errors are thrown and mapped in errors.ts. Argument counts are checked by
 * the connection before a handler runs.
 */

/** What a command runs with: the engine, and the project the connection was authenticated for. */
export interface CommandContext {
  deps: EngineDeps;
  projectId: string;
}

/** Commands handled by the connection itself (its authentication, its subscriptions, its end). */
export type ConnectionCommand = 'ping' | 'quit' | 'auth' | 'command' | 'info' | 'subscribe';
export type EngineCommand = Exclude<CommandName, ConnectionCommand>;

type Handler = (context: CommandContext, args: string[]) => Promise<Reply>;

/** `concurrency` as text: digits (a sign allowed); "" is 0, as Go's zero value. Anything else is 008. */
function concurrencyArg(text: string): number {
  if (text.trim() === '') return 0;
  const value = /^[+-]?\d{1,16}$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) throw new InvalidInput('concurrency must be a whole number');
  return value;
}

/** A status argument; `003:incorrect_status` is checked before the consumer, as CrimsonQ does. */
function statusArg(text: string): ConsumerStatus | Reply {
  return statusParam(text) ?? error(CQ_ERROR.incorrectStatus);
}

const isReply = (value: unknown): value is Reply => typeof value === 'object' && value !== null;

export const ENGINE_COMMANDS: Record<EngineCommand, Handler> = {
  'consumer.exists': async ({ deps, projectId }, [id]) =>
    simple(String((await consumers.consumerInfo(deps, projectId, id!)) !== null)),

  'consumer.create': async ({ deps, projectId }, [id, topics, concurrency]) => {
    const value = concurrencyArg(concurrency!);
    await consumers.createConsumer(deps, projectId, id!, parseFilters(topics!), value);
    return simple(`Created:${id}`);
  },

  'consumer.destroy': async ({ deps, projectId }, [id]) => {
    await consumers.destroyConsumer(deps, projectId, existingConsumer(id!));
    return simple('ok');
  },

  'consumer.list': async ({ deps, projectId }) =>
    array((await consumers.listConsumers(deps, projectId)).map((name) => bulk(name))),

  // An unknown consumer is `+null`, as in CrimsonQ (the JSON of a nil consumer), not an error.
  'consumer.info': async ({ deps, projectId }, [id]) => {
    const info = await consumers.consumerInfo(deps, projectId, id!);
    return simple(goJson(info === null ? null : consumerToCq(info)));
  },

  'consumer.topics.get': async ({ deps, projectId }, [id]) => {
    const info = await consumers.consumerInfo(deps, projectId, existingConsumer(id!));
    if (info === null) throw new QueueNotFound(id!);
    return array(info.topics.map((topic) => simple(topic)));
  },

  'consumer.topics.set': async ({ deps, projectId }, [id, topics]) => {
    await consumers.setTopics(deps, projectId, existingConsumer(id!), parseFilters(topics!));
    return simple('ok');
  },

  'consumer.concurrency.set': async ({ deps, projectId }, [id, concurrency]) => {
    const consumerId = existingConsumer(id!);
    await consumers.setConcurrency(deps, projectId, consumerId, concurrencyArg(concurrency!));
    return simple('ok');
  },

  'consumer.concurrency.ok': async ({ deps, projectId }, [id]) =>
    simple(String(await consumers.concurrencyOk(deps, projectId, existingConsumer(id!)))),

  'consumer.flush.complete': async ({ deps, projectId }, [id]) => {
    await consumers.flush(deps, projectId, existingConsumer(id!), 'completed');
    return simple('Ok');
  },

  'consumer.flush.failed': async ({ deps, projectId }, [id]) => {
    await consumers.flush(deps, projectId, existingConsumer(id!), 'failed');
    return simple('Ok');
  },

  'msg.keys': async ({ deps, projectId }, [id]) =>
    array((await consumers.messageKeys(deps, projectId, existingConsumer(id!))).map((key) => bulk(key))),

  // Also the consumer's keep-alive, as over REST. Keys sorted, as REST's JSON object.
  'msg.counts': async ({ deps, projectId }, [id]) => {
    const counts = countsToCq(await consumers.statusCounts(deps, projectId, existingConsumer(id!)));
    return array(Object.entries(counts).map(([status, n]) => bulk(`${status}:${n}`)));
  },

  'msg.list.json': async ({ deps, projectId }, [id, status]) => {
    const wanted = statusArg(status!);
    if (isReply(wanted)) return wanted;
    const consumerId = existingConsumer(id!);
    const messages = await consumers.listStatus(deps, projectId, consumerId, wanted);
    return simple(goJson(messages.map((message) => messageToCq(message, consumerId))));
  },

  // `+null` when nothing is pending; at the concurrency cap, 005.
  'msg.pull': async ({ deps, projectId }, [id]) => {
    const consumerId = existingConsumer(id!);
    const message = await consumers.pull(deps, projectId, consumerId);
    return simple(goJson(message === null ? null : messageToCq(message, consumerId)));
  },

  // The new id is published on the consumer's channel by the engine's event, whoever pushed.
  'msg.push.consumer': async ({ deps, projectId }, [id, message]) => {
    await consumers.pushToConsumer(deps, projectId, existingConsumer(id!), message!);
    return simple('Ok');
  },

  // One copy per matching consumer; "Ok" even when none matched, as in CrimsonQ.
  'msg.push.topic': async ({ deps, projectId }, [topic, message]) => {
    await consumers.publish(deps, projectId, topic!, [{ body: message!, delay: 0, pushHeaders: null }]);
    return simple('Ok');
  },

  'msg.del': async ({ deps, projectId }, [id, status, key]) => {
    const wanted = statusArg(status!);
    if (isReply(wanted)) return wanted;
    await consumers.deleteInStatus(deps, projectId, existingConsumer(id!), wanted, messageIdOf(key!));
    return simple('Ok');
  },

  'msg.fail': async ({ deps, projectId }, [id, key, reason]) => {
    await consumers.fail(deps, projectId, existingConsumer(id!), messageIdOf(key!), reason!);
    return simple('Ok');
  },

  'msg.complete': async ({ deps, projectId }, [id, key]) => {
    await consumers.complete(deps, projectId, existingConsumer(id!), messageIdOf(key!));
    return simple('Ok');
  },

  // CrimsonQ writes no reply when the message is not failed (the client then waits forever): 006 here.
  'msg.retry': async ({ deps, projectId }, [id, key]) => {
    await consumers.retry(deps, projectId, existingConsumer(id!), messageIdOf(key!));
    return simple('Ok');
  },

  'msg.retryall': async ({ deps, projectId }, [id]) => {
    await consumers.retry(deps, projectId, existingConsumer(id!), null);
    return simple('Ok');
  },
};
