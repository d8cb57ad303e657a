import fc from 'fast-check';
import { COMMANDS } from '../../src/domain/crimsonq-wire';
import { closeClients, command, raw, redis, RESP_PASS, startResp, stillServes } from '../resp/resp';
import type { TestServer } from '../helpers/server';
import { PROFILE, report } from './profile';

/**
 * Hostile-input fuzzer for the RESP interface: fast-check generates sessions of CrimsonQ's commands (and
 * others), with valid and hostile arguments, in multibulk or inline form, sent split anywhere, with garbage,
 * lying lengths and truncation mixed in. Invariants: every byte the server sends is a well-formed RESP reply;
 * no reply is an internal error; a protocol error is the last reply before the connection closes; the replies
 * come in order (one per command); and the server keeps serving other connections.
 */

type Reply = { type: string; text?: string; items?: Reply[] };

/** Reads RESP replies from `text` (latin1); throws on anything that is not a whole, well-formed reply. */
function parseReplies(text: string): Reply[] {
  let at = 0;
  const line = (): string => {
    const end = text.indexOf('\r\n', at);
    if (end < 0) throw new Error(`unterminated line at ${at}: ${JSON.stringify(text.slice(at, at + 80))}`);
    const value = text.slice(at, end);
    at = end + 2;
    return value;
  };
  const one = (): Reply => {
    const type = text[at++];
    switch (type) {
      case '+':
      case '-':
        return { type, text: line() };
      case ':': {
        const value = line();
        if (!/^-?\d+$/.test(value)) throw new Error(`bad integer ${value}`);
        return { type, text: value };
      }
      case '$': {
        const length = Number(line());
        if (length === -1) return { type, text: undefined };
        if (!Number.isInteger(length) || length < 0) throw new Error('bad bulk length');
        const value = text.slice(at, at + length);
        if (text.slice(at + length, at + length + 2) !== '\r\n') throw new Error('bulk without CRLF');
        at += length + 2;
        return { type, text: value };
      }
      case '*': {
        const count = Number(line());
        if (!Number.isInteger(count) || count < 0) throw new Error('bad array length');
        return { type, items: Array.from({ length: count }, one) };
      }
      case undefined:
      default:
        throw new Error(`bad reply type ${JSON.stringify(type)} at ${at - 1}`);
    }
  };
  const replies: Reply[] = [];
  while (at < text.length) replies.push(one());
  return replies;
}

const NAMES = [
  ...COMMANDS.map((c) => c.name),
  'GET',
  'hello',
  'unsubscribe',
  'psubscribe',
  'client',
  'MSG.PULL',
];
const CONSUMERS = ['fuzz', 'fuzz-topics', 'ghost', '', 'a/b', '..', 'x'.repeat(300), 'fuzz\r\n', 'é'];
const hostileText = fc.oneof(
  fc.constantFrom(
    ...CONSUMERS,
    'pending',
    'FAILED',
    'sideways',
    '1',
    '0',
    '-1',
    '1e9',
    '99999999999999999',
    '"q"',
    "'",
    '\\x41',
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('a'.repeat(3000), 'b'.repeat(5000), 'fuzz/#', '#', '+/+', '$share/g/fuzz/#'),
);

const commandCase = fc.record({
  name: fc.constantFrom(...NAMES),
  args: fc.array(hostileText, { maxLength: 5 }),
  inline: fc.boolean(),
});

const GARBAGE = [
  '*x\r\n',
  '*1\r\n$99999999999\r\n',
  '*2000000\r\n',
  '*1\r\n$4\r\nPINGPONG',
  '*1\r\n+OK\r\n',
  '"unbalanced\r\n',
  '\x00\x7f\r\n',
  '*1\r\n$-1\r\n',
];

const sessionCase = fc.record({
  commands: fc.array(commandCase, { minLength: 1, maxLength: 8 }),
  garbage: fc.oneof(
    { weight: 7, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.constantFrom(...GARBAGE) },
  ),
  garbageAt: fc.nat(8),
  cuts: fc.array(fc.nat(20_000), { maxLength: 6 }),
  truncate: fc.oneof(
    { weight: 4, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
});

function encode(c: { name: string; args: string[]; inline: boolean }): string | null {
  if (!c.inline) return command(c.name, ...c.args);
  // Inline form: only arguments it can carry (no CR/LF or quotes); the others go as multibulk.
  if ([c.name, ...c.args].some((a) => /[\r\n"'\\]/.test(a) || a === '')) return command(c.name, ...c.args);
  return `${[c.name, ...c.args].join(' ')}\r\n`;
}

let server: TestServer;
beforeAll(async () => {
  server = await startResp({
    FERRITE_DURABILITY: 'off',
    FERRITE_RESP_MAX_BULK_BYTES: '4096',
    FERRITE_MAX_MESSAGE_BYTES: '2048',
    FERRITE_RESP_IDLE_TIMEOUT_MS: '200',
  });
  const r = redis(server, { retryStrategy: () => 50 });
  await r.call('consumer.create', 'fuzz', '', '1');
  await r.call('consumer.create', 'fuzz-topics', 'fuzz/#,#', '0');
  await r.call('msg.push.consumer', 'fuzz', 'seed');
});
afterAll(async () => {
  closeClients();
  await server.destroy();
});

test(
  `${PROFILE.fuzzRuns} generated RESP sessions: well-formed replies in order, no internal errors, the server keeps serving`,
  async () => {
    let sessions = 0;
    let replies = 0;
    let protocolErrors = 0;
    const outcome = await fc.check(
      fc.asyncProperty(sessionCase, async (s) => {
        sessions++;
        server.clock.advance(1000);
        const parts = s.commands.map(encode).filter((p): p is string => p !== null);
        if (s.garbage !== null) parts.splice(Math.min(s.garbageAt, parts.length), 0, s.garbage);
        let bytes = Buffer.concat([command('AUTH', RESP_PASS), ...parts].map((p) => Buffer.from(p, 'utf8')));
        if (s.truncate) bytes = bytes.subarray(0, Math.max(1, bytes.length - 3));
        const c = await raw(server);
        let at = 0;
        for (const cut of [...s.cuts].sort((a, b) => a - b).filter((n) => n > at && n < bytes.length)) {
          c.send(bytes.subarray(at, cut));
          at = cut;
        }
        c.send(bytes.subarray(at));
        // The server ends every session itself: QUIT, a protocol error, or (when truncation swallowed the QUIT
        // into a half command) the idle timeout.
        c.send(command('QUIT'));
        let timer: NodeJS.Timeout | undefined;
        const done = await Promise.race([
          c.closed.then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000))),
        ]);
        clearTimeout(timer);
        c.close();
        const received = c.received();
        const parsed = parseReplies(received);
        replies += parsed.length;
        const problems: string[] = [];
        if (parsed.some((r) => r.type === '-' && r.text === 'ERR internal error'))
          problems.push('an internal error');
        const protocol = parsed.findIndex((r) => r.type === '-' && r.text!.startsWith('ERR Protocol error'));
        if (protocol >= 0) {
          protocolErrors++;
          if (protocol !== parsed.length - 1) problems.push('replies after a protocol error');
        }
        if (!done) problems.push('the server did not end the session');
        // One reply per command, in order (subscriptions aside: they confirm per consumer id).
        const names = s.commands.map((c) => c.name.toLowerCase());
        if (
          s.garbage === null &&
          !s.truncate &&
          protocol < 0 &&
          !names.some((n) => n.includes('subscribe'))
        ) {
          const quitAt = names.indexOf('quit');
          const expected = 1 + (quitAt >= 0 ? quitAt + 1 : names.length + 1);
          if (parsed.length !== expected) problems.push(`${parsed.length} replies for ${expected} commands`);
        }
        if (problems.length > 0)
          throw new Error(`${problems.join('; ')}\nreceived: ${JSON.stringify(received).slice(0, 1500)}`);
        if (sessions % 25 === 0 && !(await stillServes(server)))
          throw new Error('the server stopped serving');
      }),
      { numRuns: PROFILE.fuzzRuns, endOnFailure: PROFILE.name === 'fast' },
    );
    if (outcome.failed) {
      throw new Error(
        `RESP case failed (seed ${outcome.seed}, path ${outcome.counterexamplePath}): ` +
          `${outcome.errorInstance instanceof Error ? outcome.errorInstance.message : String(outcome.errorInstance)}\n` +
          JSON.stringify(outcome.counterexample, (_key, item: unknown) =>
            typeof item === 'string' && item.length > 120
              ? `${item.slice(0, 60)}…(${item.length} chars)`
              : item,
          ),
      );
    }
    expect(await stillServes(server)).toBe(true);
    report('resp-fuzz', { sessions, replies, protocolErrors });
  },
  PROFILE.jestTimeoutMs,
);
