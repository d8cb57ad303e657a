/**
 * CrimsonQ's wire vocabulary shared by its two interfaces in Ferrite, the REST API (src/http/crimsonq) and the
 * RESP server (src/resp): the error codes, the command table, and JSON as CrimsonQ's Go marshals it
 * (spec crimsonq §2, §3.1: server Defs/Defs.go, Servers/commands.go). Clients compare some of these strings
 * exactly, odd spellings included (`006:incorrect message id`, `008: incorrect_args`).
 */

/** The error codes CrimsonQ's handlers return (REST: 400 text/plain; RESP: an error reply). */
export const CQ_ERROR = {
  incorrectConsumerId: '001:incorrect_consumer_id',
  noDataReturned: '002:no_data_returned',
  incorrectStatus: '003:incorrect_status',
  consumerExists: '004:consumer_exists',
  pullExceededConcurrency: '005:pull_exceeded_concurrency',
  incorrectMessageId: '006:incorrect message id',
  methodNotAllowedOnHttp: '007:method_not_allowed_on_http',
  incorrectArgs: '008: incorrect_args',
} as const;

/** The topic CrimsonQ stores on a message pushed directly to a consumer. */
export const directTopic = (consumerId: string): string => `direct:${consumerId}`;

export interface Command {
  name: string;
  /** CrimsonQ's HTTP_Method: how the REST route takes the arguments (path or body). */
  method: 'GET' | 'POST';
  /** Positional arguments, by name; RESP checks their number exactly. */
  args: readonly string[];
}

/** CrimsonQ's command table (Servers/commands.go), in its order. */
export const COMMANDS = [
  { name: 'ping', method: 'GET', args: ['messageString'] },
  { name: 'quit', method: 'GET', args: [] },
  { name: 'auth', method: 'GET', args: ['password'] },
  { name: 'command', method: 'GET', args: [] },
  { name: 'info', method: 'GET', args: [] },
  { name: 'subscribe', method: 'GET', args: ['consumerId'] },
  { name: 'consumer.exists', method: 'GET', args: ['consumerId'] },
  { name: 'consumer.create', method: 'POST', args: ['consumerId', 'topics', 'concurrency'] },
  { name: 'consumer.destroy', method: 'POST', args: ['consumerId'] },
  { name: 'consumer.list', method: 'GET', args: [] },
  { name: 'msg.keys', method: 'GET', args: ['consumerId'] },
  { name: 'msg.counts', method: 'GET', args: ['consumerId'] },
  { name: 'msg.push.topic', method: 'POST', args: ['topicString', 'messageString'] },
  { name: 'msg.push.consumer', method: 'POST', args: ['consumerId', 'messageString'] },
  { name: 'msg.pull', method: 'GET', args: ['consumerId'] },
  { name: 'msg.del', method: 'POST', args: ['consumerId', 'status', 'messageId'] },
  { name: 'msg.fail', method: 'POST', args: ['consumerId', 'messageId', 'errMsg'] },
  { name: 'msg.complete', method: 'POST', args: ['consumerId', 'messageId'] },
  { name: 'msg.retry', method: 'POST', args: ['consumerId', 'messageId'] },
  { name: 'msg.retryall', method: 'POST', args: ['consumerId'] },
  { name: 'consumer.flush.complete', method: 'POST', args: ['consumerId'] },
  { name: 'consumer.flush.failed', method: 'POST', args: ['consumerId'] },
  { name: 'consumer.topics.set', method: 'POST', args: ['consumerId', 'topics'] },
  { name: 'consumer.topics.get', method: 'GET', args: ['consumerId'] },
  { name: 'consumer.concurrency.set', method: 'POST', args: ['consumerId', 'concurrency'] },
  { name: 'msg.list.json', method: 'GET', args: ['consumerId', 'status'] },
  { name: 'consumer.concurrency.ok', method: 'GET', args: ['consumerId'] },
  { name: 'consumer.info', method: 'GET', args: ['consumerId'] },
] as const satisfies readonly Command[];

export type CommandName = (typeof COMMANDS)[number]['name'];

/**
 * `name [arg] [arg]`, or `name []` without arguments: CrimsonQ's `command` format. The Node client builds its
 * functions and their argument counts from this list, so it must be exact.
 */
export function commandList(): string[] {
  return COMMANDS.map((command) => `${command.name} [${(command.args as readonly string[]).join('] [')}]`);
}

/**
 * JSON as CrimsonQ's Go writes it (encoding/json, and goccy/go-json in fiber): `<`, `>`, `&`, U+2028 and
 * U+2029 escaped as \uXXXX. Same value to any parser; byte-identical for clients that compare bytes.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
