/**
 * Reads Redis-protocol commands from a byte stream, within limits fixed before anything is allocated: the
 * multibulk form a client library sends (`*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument) and the inline
 * form a person types (`msg.pull c1\r\n`, with `"…"`/`'…'` quoting), as redis-server and CrimsonQ's redcon read
 * them. A declared length over a limit is refused when its header arrives, so a client announcing a 2 GB
 * argument or a million-element command gets an error, not a 2 GB buffer; argument bytes are kept as they
 * arrive (no copy of the whole on every chunk), so a command sent byte by byte costs what it holds.
 * Error texts are redis-server's (`ERR Protocol error: …`); after one, the connection is to be closed.
 */

export interface ParserLimits {
  /** Largest argument, bytes. */
  maxBulkBytes: number;
  /** Most arguments in one command, the name included. */
  maxArgs: number;
  /** Largest command, all its arguments together, bytes. */
  maxCommandBytes: number;
  /** Longest inline command line, bytes. */
  maxInlineBytes: number;
}

export type Frame = { type: 'command'; args: Buffer[] } | { type: 'error'; message: string };

export const PROTOCOL_ERROR = {
  multibulkLength: 'ERR Protocol error: invalid multibulk length',
  bulkLength: 'ERR Protocol error: invalid bulk length',
  unbalancedQuotes: 'ERR Protocol error: unbalanced quotes in request',
  bigInline: 'ERR Protocol error: too big inline request',
  expectedDollar: (c: string) => `ERR Protocol error: expected '$', got '${c}'`,
} as const;

const CR = 13;
const LF = 10;
/** `*1048576` or `$536870912` and their CRLF fit well within this; a longer header line is an error. */
const MAX_HEADER_LINE = 32;

type State =
  | { at: 'start' }
  | { at: 'inline' }
  | { at: 'count' }
  | { at: 'bulkHeader'; left: number }
  | { at: 'bulk'; left: number; missing: number }
  | { at: 'bulkEnd'; left: number; seen: number }
  | { at: 'failed' };

export class RequestParser {
  private state: State = { at: 'start' };
  /** Bytes of the current header or inline line, without its end. */
  private line: Buffer[] = [];
  private lineBytes = 0;
  private args: Buffer[] = [];
  private parts: Buffer[] = [];
  private commandBytes = 0;

  constructor(private readonly limits: ParserLimits) {}

  /** Whether part of a command has been read and the rest is awaited. */
  get midCommand(): boolean {
    return this.state.at !== 'start' && this.state.at !== 'failed';
  }

  /**
   * Reads a chunk; returns the commands it completed, in order. An error frame is the last thing returned
   * from then on: everything after it is ignored.
   */
  feed(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let at = 0;
    while (at < chunk.length && this.state.at !== 'failed') {
      const state = this.state;
      switch (state.at) {
        case 'start': {
          if (chunk[at] === 0x2a /* '*' */) {
            this.state = { at: 'count' };
            at++;
          } else {
            this.state = { at: 'inline' };
          }
          break;
        }
        case 'inline':
        case 'count':
        case 'bulkHeader': {
          const end = chunk.indexOf(LF, at);
          const limit = state.at === 'inline' ? this.limits.maxInlineBytes : MAX_HEADER_LINE;
          const piece = chunk.subarray(at, end < 0 ? chunk.length : end);
          if (this.lineBytes + piece.length > limit) {
            frames.push(this.fail(state.at === 'inline' ? PROTOCOL_ERROR.bigInline : this.lengthError()));
            break;
          }
          this.line.push(piece);
          this.lineBytes += piece.length;
          if (end < 0) {
            at = chunk.length;
            break;
          }
          at = end + 1;
          const text = Buffer.concat(this.line);
          this.line = [];
          this.lineBytes = 0;
          const frame = this.endOfLine(state, text);
          if (frame) frames.push(frame);
          break;
        }
        case 'bulk': {
          const take = Math.min(state.missing, chunk.length - at);
          // A copy: the chunk may be large and the argument small; the chunk is not kept alive for it.
          this.parts.push(Buffer.from(chunk.subarray(at, at + take)));
          at += take;
          state.missing -= take;
          if (state.missing === 0) {
            this.args.push(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts));
            this.parts = [];
            this.state = { at: 'bulkEnd', left: state.left, seen: 0 };
          }
          break;
        }
        case 'bulkEnd': {
          const expected = state.seen === 0 ? CR : LF;
          if (chunk[at] !== expected) {
            frames.push(this.fail(PROTOCOL_ERROR.bulkLength));
            break;
          }
          at++;
          if (state.seen === 0) {
            state.seen = 1;
            break;
          }
          const frame = this.nextArgument(state.left);
          if (frame) frames.push(frame);
          break;
        }
        default: {
          const unknown: never = state;
          throw new Error(`unknown parser state ${JSON.stringify(unknown)}`);
        }
      }
    }
    return frames;
  }

  private lengthError(): string {
    return this.state.at === 'count' ? PROTOCOL_ERROR.multibulkLength : PROTOCOL_ERROR.bulkLength;
  }

  private fail(message: string): Frame {
    this.state = { at: 'failed' };
    this.line = [];
    this.parts = [];
    this.args = [];
    return { type: 'error', message };
  }

  /** A whole line was read in state `state`: a count, a bulk header, or an inline command. */
  private endOfLine(state: State, raw: Buffer): Frame | null {
    if (state.at === 'inline') {
      this.state = { at: 'start' };
      const text = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, -1) : raw;
      const args = splitInline(text);
      if (args === null) return this.fail(PROTOCOL_ERROR.unbalancedQuotes);
      // An empty line is skipped, as redis-server does.
      if (args.length === 0) return null;
      if (args.length > this.limits.maxArgs) return this.fail(PROTOCOL_ERROR.multibulkLength);
      return { type: 'command', args };
    }
    if (raw.length < 1 || raw[raw.length - 1] !== CR) return this.fail(this.lengthError());
    let text = raw.subarray(0, -1).toString('latin1');
    if (state.at === 'bulkHeader') {
      if (text[0] !== '$') return this.fail(PROTOCOL_ERROR.expectedDollar(text[0] ?? ''));
      text = text.slice(1);
    }
    const value = /^-?\d{1,10}$/.test(text) ? Number(text) : NaN;
    if (state.at === 'count') {
      if (!Number.isSafeInteger(value) || value > this.limits.maxArgs) {
        return this.fail(PROTOCOL_ERROR.multibulkLength);
      }
      // `*0` and `*-1` are no command; redis-server skips them too.
      if (value <= 0) {
        this.state = { at: 'start' };
        return null;
      }
      this.args = [];
      this.commandBytes = 0;
      this.state = { at: 'bulkHeader', left: value };
      return null;
    }
    if (state.at !== 'bulkHeader') return null;
    if (!Number.isSafeInteger(value) || value < 0 || value > this.limits.maxBulkBytes) {
      return this.fail(PROTOCOL_ERROR.bulkLength);
    }
    this.commandBytes += value;
    if (this.commandBytes > this.limits.maxCommandBytes) return this.fail(PROTOCOL_ERROR.bulkLength);
    if (value === 0) {
      this.args.push(Buffer.alloc(0));
      this.state = { at: 'bulkEnd', left: state.left, seen: 0 };
      return null;
    }
    this.state = { at: 'bulk', left: state.left, missing: value };
    return null;
  }

  /** One argument done; `left` counted it. Returns the command when it was the last. */
  private nextArgument(left: number): Frame | null {
    if (left > 1) {
      this.state = { at: 'bulkHeader', left: left - 1 };
      return null;
    }
    const args = this.args;
    this.args = [];
    this.state = { at: 'start' };
    return { type: 'command', args };
  }
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Splits an inline command as redis-server's sdssplitargs does: words separated by spaces or tabs; `"…"` with
 * `\n \r \t \b \a \\ \" \xHH` escapes; `'…'` with only `\'`. A closing quote must be followed by a space or
 * the end. Returns null for unbalanced quotes.
 */
export function splitInline(line: Buffer): Buffer[] | null {
  const text = line.toString('latin1');
  const args: Buffer[] = [];
  let i = 0;
  while (true) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= text.length) return args;
    let word = '';
    const quote = text[i] === '"' || text[i] === "'" ? text[i] : null;
    if (quote) i++;
    let closed = quote === null;
    while (i < text.length) {
      const c = text[i]!;
      if (quote === null) {
        if (c === ' ' || c === '\t') break;
        word += c;
        i++;
        continue;
      }
      if (c === '\\' && quote === '"' && i + 1 < text.length) {
        const next = text[i + 1]!;
        const hex = text.slice(i + 2, i + 4);
        if (next === 'x' && HEX.test(hex)) {
          word += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          continue;
        }
        word += ({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' } as Record<string, string>)[next] ?? next;
        i += 2;
        continue;
      }
      if (c === '\\' && quote === "'" && text[i + 1] === "'") {
        word += "'";
        i += 2;
        continue;
      }
      if (c === quote) {
        i++;
        if (i < text.length && text[i] !== ' ' && text[i] !== '\t') return null;
        closed = true;
        break;
      }
      word += c;
      i++;
    }
    if (!closed) return null;
    args.push(Buffer.from(word, 'latin1'));
  }
}
