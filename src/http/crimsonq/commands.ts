/**
 * CrimsonQ's command table (server Servers/commands.go), in its order. Routes are generated from it as CrimsonQ
 * does: `/api/` + the name with `.` → `/`, then `/:arg` per argument for a GET; a POST takes its arguments in
 * the body. `GET /api/command` lists it in CrimsonQ's format.
 */

export type CommandName = (typeof COMMANDS)[number]['name'];

export interface Command {
  name: string;
  method: 'GET' | 'POST';
  args: readonly string[];
}

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

/** The route of a command under /api. */
export function pathOf(command: Command): string {
  const base = `/${command.name.replace(/\./g, '/')}`;
  return command.method === 'GET' ? base + command.args.map((arg) => `/:${arg}`).join('') : base;
}

/** `name [arg] [arg]`, or `name []` without arguments: CrimsonQ's HTTP_Command format. */
export function commandList(): string[] {
  return COMMANDS.map((command) => `${command.name} [${(command.args as readonly string[]).join('] [')}]`);
}
