import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { ApiError, IronMqApi, type WireMessage, type WireQueue } from './api';
import { ProgressBar, type ProgressSink } from './progress';
import { SettingsError, projectUrl, resolveSettings } from './settings';

/** The commands that talk to a running server (the others in ferrite.ts work on the data file). */
export const CLIENT_COMMANDS = [
  'queues',
  'info',
  'post',
  'reserve',
  'peek',
  'delete',
  'clear',
  'redrive',
] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

export function isClientCommand(word: string | undefined): word is ClientCommand {
  return (CLIENT_COMMANDS as readonly string[]).includes(word ?? '');
}

export const CLIENT_USAGE = `Client commands (talk to a running server over the IronMQ API):

  queues [--prefix P]                  list queues with their sizes
  info <queue>                         a queue's settings and counts
  post <queue> <body>...               post one message per argument
  post <queue> --file F [--delay S]    post each line of F (- for stdin), 100 per request, with progress
  reserve <queue> [-n N] [--timeout S] [--wait S] [--delete]
                                       reserve messages (--delete: remove them as they are reserved)
  peek <queue> [-n N]                  show messages without reserving them
  delete <queue> <id> [--reservation-id R]   delete a message (R when it is reserved)
  delete <queue> <id> <id>...          delete unreserved messages, all or none
  clear <queue>                        delete every message of a queue
  redrive <queue> [-n N] [--to Q]      move dead letters of <queue> back to the queue each came from (or to Q),
                                       oldest first, all or the first N
  redrive <queue> --dry-run            show where they would go, moving nothing

  --json                               print the server's JSON instead of text
  --quiet, -q                          no progress bar
  --host H --port P --scheme S --token T --project-id ID
                                       override IRON_HOST, IRON_PORT, IRON_SCHEME (or IRON_PROTOCOL), IRON_TOKEN
                                       and IRON_PROJECT_ID, which override iron.json here and ~/.iron.json
`;

/** What a client command reads and writes; CliIo (the admin commands' io) fits it. */
export interface ClientIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where iron.json is looked for; default the process's working directory. */
  cwd?: string;
  /** Where .iron.json is looked for; default the user's home directory. */
  home?: string;
  /** Where the progress bar goes; default stderr (redrawn in place on a terminal). */
  progress?: ProgressSink;
  /** Read by `post --file -`; default the process's stdin. */
  stdin?: NodeJS.ReadableStream;
  fetch?: typeof fetch;
}

/** Messages per post request: the API's limit. */
const POST_BATCH = 100;

const OPTIONS = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  host: { type: 'string' },
  port: { type: 'string' },
  scheme: { type: 'string' },
  token: { type: 'string' },
  'project-id': { type: 'string' },
  prefix: { type: 'string' },
  file: { type: 'string', short: 'f' },
  delay: { type: 'string' },
  n: { type: 'string', short: 'n' },
  timeout: { type: 'string' },
  wait: { type: 'string' },
  delete: { type: 'boolean' },
  'reservation-id': { type: 'string' },
  to: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

/** Runs one client command (`argv[0]` is the command); returns the process exit code. */
export async function runClient(argv: string[], io: ClientIo): Promise<number> {
  const [command, ...rest] = argv;
  let values: Values;
  let args: string[];
  try {
    if (!isClientCommand(command)) throw new UsageError(`Unknown command: ${command ?? ''}`);
    ({ values, positionals: args } = parseArgs({
      args: rest,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    io.err(CLIENT_USAGE);
    return 2;
  }
  if (values.help) {
    io.out(CLIENT_USAGE);
    return 0;
  }

  let api: IronMqApi;
  let target: string;
  try {
    const settings = resolveSettings(
      {
        host: values.host,
        port: values.port,
        scheme: values.scheme,
        token: values.token,
        project_id: values['project-id'],
      },
      io.env,
      io.cwd ?? process.cwd(),
      io.home ?? homedir(),
    );
    api = new IronMqApi(settings, io.fetch);
    target = projectUrl(settings);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    io.err(`ferrite ${command}: ${error.message}`);
    return 2;
  }

  try {
    await COMMANDS[command]({ api, args, values, io });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`ferrite ${command}: ${error.message}`);
      io.err(CLIENT_USAGE);
      return 2;
    }
    if (error instanceof ApiError) {
      io.err(`ferrite ${command}: ${error.message}`);
      return 1;
    }
    // fetch's own errors come from Node's realm: under Jest they are not `instanceof Error`, so go by name.
    const failure = error as { name?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
    if (failure?.name === 'TypeError' && failure.cause !== undefined) {
      const why = typeof failure.cause.code === 'string' ? failure.cause.code : String(failure.cause.message);
      io.err(`ferrite ${command}: cannot reach ${new URL(target).origin} (${why})`);
      return 1;
    }
    if (failure?.name === 'TimeoutError') {
      io.err(`ferrite ${command}: the server did not answer in time`);
      return 1;
    }
    throw error;
  }
}

interface Context {
  api: IronMqApi;
  args: string[];
  values: Values;
  io: ClientIo;
}

const COMMANDS: Record<ClientCommand, (context: Context) => Promise<void>> = {
  async queues({ api, args, values, io }) {
    noMoreArgs(args, 0);
    const queues = await api.listQueues(values.prefix ?? '');
    if (values.json) return printJson(io, { queues });
    if (queues.length === 0) return io.out('No queues.');
    printTable(
      io,
      ['NAME', 'SIZE', 'TOTAL'],
      queues.map((q) => [q.name, String(q.size), String(q.total_messages)]),
    );
  },

  async info({ api, args, values, io }) {
    const queue = queueArg(args);
    noMoreArgs(args, 1);
    const info = await api.getQueue(queue);
    if (values.json) return printJson(io, { queue: info });
    printFields(io, info);
  },

  async post({ api, args, values, io }) {
    const queue = queueArg(args);
    const delay = optionalInteger(values.delay, '--delay', 0, 604_800);
    const inline = args.slice(1);
    if (values.file !== undefined && inline.length > 0)
      throw new UsageError('give message bodies or --file, not both');
    if (values.file === undefined && inline.length === 0)
      throw new UsageError('nothing to post: give bodies or --file');
    const bodies = values.file === undefined ? inline : await readLines(values.file, io);
    const messages = bodies.map((body) => (delay === undefined ? { body } : { body, delay }));

    const bar =
      values.file !== undefined && !values.quiet && messages.length > POST_BATCH
        ? new ProgressBar(io.progress ?? stderrSink(io), messages.length, 'messages')
        : null;
    const ids: string[] = [];
    bar?.update(0);
    for (let i = 0; i < messages.length; i += POST_BATCH) {
      ids.push(...(await api.postMessages(queue, messages.slice(i, i + POST_BATCH))));
      bar?.update(ids.length);
    }
    bar?.finish();

    if (values.json) return printJson(io, { ids });
    if (values.file === undefined) return ids.forEach((id) => io.out(id));
    const range = ids.length === 0 ? '' : ` (ids ${ids[0]}…${ids[ids.length - 1]})`;
    io.out(`Posted ${ids.length} message${ids.length === 1 ? '' : 's'} to ${queue}${range}.`);
  },

  async reserve({ api, args, values, io }) {
    const queue = queueArg(args);
    noMoreArgs(args, 1);
    const messages = await api.reserve(queue, {
      n: optionalInteger(values.n, '-n', 1, 100),
      timeout: optionalInteger(values.timeout, '--timeout', 1, 86_400),
      wait: optionalInteger(values.wait, '--wait', 0, 30),
      delete: values.delete,
    });
    printMessages(io, values, messages);
  },

  async peek({ api, args, values, io }) {
    const queue = queueArg(args);
    noMoreArgs(args, 1);
    printMessages(io, values, await api.peek(queue, optionalInteger(values.n, '-n', 1, 100) ?? 1));
  },

  async delete({ api, args, values, io }) {
    const queue = queueArg(args);
    const ids = args.slice(1);
    if (ids.length === 0) throw new UsageError('delete needs a message id');
    const reservationId = values['reservation-id'];
    if (ids.length > 1 && reservationId !== undefined) {
      throw new UsageError('--reservation-id goes with a single message id');
    }
    const msg =
      ids.length === 1
        ? await api.deleteMessage(queue, ids[0]!, reservationId)
        : await api.deleteMessages(queue, ids);
    if (values.json) return printJson(io, { msg });
    io.out(
      ids.length === 1
        ? `Deleted message ${ids[0]} from ${queue}.`
        : `Deleted ${ids.length} messages from ${queue}.`,
    );
  },

  async redrive({ api, args, values, io }) {
    const queue = queueArg(args);
    noMoreArgs(args, 1);
    if (values.to === '') throw new UsageError('--to needs a queue name');
    if (values['dry-run']) {
      if (values.n !== undefined || values.to !== undefined) {
        throw new UsageError('--dry-run shows where every message would go back: no -n or --to');
      }
      const sources = await api.redriveSources(queue);
      if (values.json) return printJson(io, { redrive: sources });
      io.out(
        sources.sources.length === 0
          ? `No queue sends its dead letters to ${queue}.`
          : `Queues that send their dead letters to ${queue}: ${sources.sources.join(', ')}.`,
      );
      if (sources.messages.length === 0) return io.out('No message to move.');
      printTable(
        io,
        ['FROM', 'MESSAGES'],
        sources.messages.map((m) => [m.from ?? '(not known)', String(m.count)]),
      );
      return;
    }
    const n = optionalInteger(values.n, '-n', 1, 1_000_000_000);
    const result = await api.redrive(queue, {
      ...(n === undefined ? {} : { n }),
      ...(values.to ? { to: values.to } : {}),
    });
    if (values.json) return printJson(io, result);
    const where = Object.entries(result.queues)
      .map(([name, count]) => `${count} to ${name}`)
      .join(', ');
    io.out(`${result.msg} out of ${queue}${where === '' ? '' : ` (${where})`}; ${result.left} left there.`);
    if (result.skipped > 0) {
      io.out(
        `${result.skipped} stayed: the queue they came from is not known or no longer exists (give --to).`,
      );
    }
  },

  async clear({ api, args, values, io }) {
    const queue = queueArg(args);
    noMoreArgs(args, 1);
    const msg = await api.clear(queue);
    if (values.json) return printJson(io, { msg });
    io.out(`Cleared ${queue}.`);
  },
};

function queueArg(args: string[]): string {
  const queue = args[0];
  if (queue === undefined || queue === '') throw new UsageError('a queue name is needed');
  return queue;
}

function noMoreArgs(args: string[], expected: number): void {
  if (args.length > expected) throw new UsageError(`unexpected argument: ${args[expected]}`);
}

function optionalInteger(
  raw: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** One message per line; a trailing carriage return (Windows files) and blank lines are dropped. */
async function readLines(file: string, io: ClientIo): Promise<string[]> {
  let text: string;
  try {
    text = file === '-' ? await readAll(io.stdin ?? process.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The bar goes to stderr, so stdout stays clean for the ids or the JSON. */
function stderrSink(io: ClientIo): ProgressSink {
  if (process.stderr.isTTY) return { interactive: true, write: (text) => process.stderr.write(text) };
  return { interactive: false, write: (text) => io.err(text.replace(/\n$/, '')) };
}

function printJson(io: ClientIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

function printTable(io: ClientIo, header: string[], rows: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  // Names left-aligned, numbers right-aligned.
  const format = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  io.out(format(header));
  for (const row of rows) io.out(format(row));
}

function printFields(io: ClientIo, queue: WireQueue): void {
  const width = Math.max(...Object.keys(queue).map((key) => key.length)) + 1;
  for (const [key, value] of Object.entries(queue)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    io.out(`${`${key}:`.padEnd(width)} ${text}`);
  }
}

function printMessages(io: ClientIo, values: Values, messages: WireMessage[]): void {
  if (values.json) return printJson(io, { messages });
  if (messages.length === 0) return io.out('No messages.');
  for (const message of messages) {
    const header = [`id=${message.id}`, `reserved_count=${message.reserved_count}`];
    if (message.reservation_id) header.push(`reservation_id=${message.reservation_id}`);
    if (message.reserved_until) header.push(`reserved_until=${message.reserved_until}`);
    io.out(header.join('  '));
    for (const line of message.body.split('\n')) io.out(`  ${line}`);
  }
}
