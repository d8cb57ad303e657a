/**
 * Replies in the Redis protocol (RESP2), as CrimsonQ's redcon writes them: simple strings and errors with CR
 * and LF replaced by spaces (they end at the first CRLF), bulk strings, integers, arrays.
 */
export type Reply =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'bulk'; value: string | Buffer | null }
  | { type: 'integer'; value: number }
  | { type: 'array'; value: Reply[] };

export const simple = (value: string): Reply => ({ type: 'simple', value });
export const error = (value: string): Reply => ({ type: 'error', value });
export const bulk = (value: string | Buffer | null): Reply => ({ type: 'bulk', value });
export const integer = (value: number): Reply => ({ type: 'integer', value });
export const array = (value: Reply[]): Reply => ({ type: 'array', value });

const oneLine = (text: string) => text.replace(/[\r\n]/g, ' ');

function write(reply: Reply, out: (string | Buffer)[]): void {
  switch (reply.type) {
    case 'simple':
      out.push(`+${oneLine(reply.value)}\r\n`);
      return;
    case 'error':
      out.push(`-${oneLine(reply.value)}\r\n`);
      return;
    case 'integer':
      out.push(`:${reply.value}\r\n`);
      return;
    case 'bulk': {
      if (reply.value === null) {
        out.push('$-1\r\n');
        return;
      }
      const bytes = typeof reply.value === 'string' ? Buffer.from(reply.value, 'utf8') : reply.value;
      out.push(`$${bytes.length}\r\n`, bytes, '\r\n');
      return;
    }
    case 'array':
      out.push(`*${reply.value.length}\r\n`);
      for (const item of reply.value) write(item, out);
      return;
    default: {
      const unknown: never = reply;
      throw new Error(`unknown reply ${JSON.stringify(unknown)}`);
    }
  }
}

/** The bytes of one or more replies, in order. */
export function encode(...replies: Reply[]): Buffer {
  const out: (string | Buffer)[] = [];
  for (const reply of replies) write(reply, out);
  return Buffer.concat(out.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
}
