import fc from 'fast-check';
import { RequestParser, splitInline, type Frame } from '../../src/resp/parser';

/** The RESP request parser on its own: any split of the bytes gives the same commands; limits hold. */

const LIMITS = { maxBulkBytes: 256, maxArgs: 8, maxCommandBytes: 512, maxInlineBytes: 1024 };

function multibulk(args: Buffer[]): Buffer {
  return Buffer.concat([
    Buffer.from(`*${args.length}\r\n`),
    ...args.flatMap((arg) => [Buffer.from(`$${arg.length}\r\n`), arg, Buffer.from('\r\n')]),
  ]);
}

function feedAll(bytes: Buffer, cuts: number[]): Frame[] {
  const parser = new RequestParser(LIMITS);
  const frames: Frame[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    frames.push(...parser.feed(bytes.subarray(at, cut)));
    at = cut;
  }
  frames.push(...parser.feed(bytes.subarray(at)));
  return frames;
}

const argument = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes));
const commandArb = fc.array(argument, { minLength: 1, maxLength: 8 });

test('commands split at any points parse to the same arguments, in order', () => {
  fc.assert(
    fc.property(
      fc.array(commandArb, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(2000)),
      (commands, cuts) => {
        const bytes = Buffer.concat(commands.map(multibulk));
        const frames = feedAll(bytes, cuts);
        expect(frames).toEqual(commands.map((args) => ({ type: 'command', args })));
      },
    ),
  );
});

test('a byte-by-byte command is the same command', () => {
  const bytes = multibulk([Buffer.from('msg.push.consumer'), Buffer.from('c1'), Buffer.from('a\r\nb')]);
  const cuts = Array.from({ length: bytes.length }, (_, i) => i);
  expect(feedAll(bytes, cuts)).toEqual([
    { type: 'command', args: [Buffer.from('msg.push.consumer'), Buffer.from('c1'), Buffer.from('a\r\nb')] },
  ]);
});

test('limits are checked from headers, before any data', () => {
  const parser = () => new RequestParser(LIMITS);
  expect(parser().feed(Buffer.from('*9\r\n'))).toEqual([
    { type: 'error', message: 'ERR Protocol error: invalid multibulk length' },
  ]);
  expect(parser().feed(Buffer.from('*1\r\n$257\r\n'))).toEqual([
    { type: 'error', message: 'ERR Protocol error: invalid bulk length' },
  ]);
  expect(
    parser().feed(
      Buffer.from('*3\r\n$256\r\n' + 'a'.repeat(256) + '\r\n$256\r\n' + 'b'.repeat(256) + '\r\n$1\r\n'),
    ),
  ).toEqual([{ type: 'error', message: 'ERR Protocol error: invalid bulk length' }]);
  const half = parser();
  expect(half.feed(Buffer.from('*2\r\n$4\r\nping'))).toEqual([]);
  expect(half.midCommand).toBe(true);
  // After an error, nothing more is read.
  const failed = parser();
  expect(failed.feed(Buffer.from('*x\r\n*1\r\n$4\r\nping\r\n'))).toHaveLength(1);
  expect(failed.feed(Buffer.from('*1\r\n$4\r\nping\r\n'))).toEqual([]);
});

test('empty commands are skipped, as redis-server does', () => {
  expect(new RequestParser(LIMITS).feed(Buffer.from('*0\r\n*-1\r\n\r\n   \r\nping\r\n'))).toEqual([
    { type: 'command', args: [Buffer.from('ping')] },
  ]);
});

test.each([
  ['msg.pull c1', ['msg.pull', 'c1']],
  ['  ping\t "a b"  ', ['ping', 'a b']],
  ['set "\\x41\\n\\"" \'it\\\'s\'', ['set', 'A\n"', "it's"]],
  ['a ""', ['a', '']],
])('inline %j', (line, expected) => {
  expect(splitInline(Buffer.from(line, 'latin1'))!.map((b) => b.toString('latin1'))).toEqual(expected);
});

test.each(['"open', "'open", '"a"b'])('inline %j: unbalanced quotes', (line) => {
  expect(splitInline(Buffer.from(line))).toBeNull();
});
