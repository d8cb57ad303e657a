import { connect } from 'node:net';

/**
 * A deliberately dumb HTTP/1.1 client over a raw socket: it sends exactly the bytes it is told to (wrong
 * lengths, chunked framing, split writes, truncation), asks the server to close the connection afterwards, and
 * parses whatever came back. supertest cannot send most of these.
 */

export type Framing = 'length' | 'chunked' | 'none' | 'short-length' | 'long-length';

export interface RawRequest {
  method: string;
  /** Sent as is: percent-encoding, traversal and bytes the parser refuses are the point. */
  target: string;
  headers: [string, string][];
  body: Buffer;
  /** How the body is framed: a true Content-Length, chunks, none at all, or a length that lies. */
  framing: Framing;
  /** Write the request in this many pieces, one event-loop turn apart. */
  pieces?: number;
  /** Send only this many bytes of the body, then half-close: a client that died mid-request. */
  truncateAt?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawExchange {
  /** Every response read before the server closed (a lying Content-Length can yield two). */
  responses: RawResponse[];
  /** Bytes after the last whole response: a malformed answer. */
  garbage: Buffer;
  /** The server closed without answering (allowed for requests that never arrived whole). */
  silent: boolean;
}

function encodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  // Irregular chunk sizes, including 1-byte chunks, from a fixed pattern (reproducible).
  const sizes = [1, 7, 64, 3, 1024];
  let offset = 0;
  for (let i = 0; offset < body.length; i++) {
    const size = Math.min(sizes[i % sizes.length]!, body.length - offset);
    parts.push(
      Buffer.from(`${size.toString(16)}\r\n`),
      body.subarray(offset, offset + size),
      Buffer.from('\r\n'),
    );
    offset += size;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** The request as bytes, and where its body starts. */
export function serialize(request: RawRequest): { bytes: Buffer; bodyStart: number } {
  const lines = [`${request.method} ${request.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  let body = request.body;
  switch (request.framing) {
    case 'length':
      lines.push(`Content-Length: ${body.length}`);
      break;
    case 'short-length':
      lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`);
      break;
    case 'long-length':
      lines.push(`Content-Length: ${body.length + 10}`);
      break;
    case 'chunked':
      lines.push('Transfer-Encoding: chunked');
      body = encodeChunked(body);
      break;
    case 'none':
      break;
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return { bytes: Buffer.concat([head, body]), bodyStart: head.length };
}

/** Splits what came back into responses. The first answer to HEAD has no body, whatever its Content-Length. */
function parseResponses(data: Buffer, head: boolean): { responses: RawResponse[]; garbage: Buffer } {
  const responses: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine = '', ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!match) break;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let body: Buffer;
    let next = end + 4;
    if (headers['transfer-encoding']?.includes('chunked')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', next);
        if (lineEnd < 0) return { responses, garbage: rest };
        const size = parseInt(rest.subarray(next, lineEnd).toString('latin1'), 16);
        next = lineEnd + 2;
        if (size === 0) {
          next += 2;
          break;
        }
        parts.push(rest.subarray(next, next + size));
        next += size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      // A request that broke off mid-body is answered by the server's clientError handler, which cannot know
      // the method: its error body is read even after HEAD.
      const rawAfter = rest.subarray(next, next + 5).toString('latin1');
      const headAnswer = head && responses.length === 0 && (rawAfter === '' || rawAfter.startsWith('HTTP/'));
      const bodiless = headAnswer || Number(match[1]) < 200;
      const length = bodiless ? 0 : Number(headers['content-length'] ?? 0);
      body = rest.subarray(next, next + length);
      next += length;
    }
    responses.push({ status: Number(match[1]), headers, body });
    rest = rest.subarray(next);
  }
  return { responses, garbage: rest };
}

/** Sends `request` on a new connection and reads until the server closes it (or `timeoutMs` passes: an error). */
export function exchange(port: number, request: RawRequest, timeoutMs = 8000): Promise<RawExchange> {
  const { bytes, bodyStart } = serialize(request);
  const limit =
    request.truncateAt === undefined ? bytes.length : Math.min(bytes.length, bodyStart + request.truncateAt);
  const payload = bytes.subarray(0, limit);
  const pieces = Math.max(1, request.pieces ?? 1);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may answer and close before everything is written (413, 400): not an error here.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      const { responses, garbage } = parseResponses(data, request.method === 'HEAD');
      resolve({ responses, garbage, silent: data.length === 0 });
    });
    socket.on('connect', () => {
      const size = Math.ceil(payload.length / pieces);
      let offset = 0;
      const writeNext = () => {
        if (socket.destroyed) return;
        if (offset >= payload.length) {
          if (request.truncateAt !== undefined) socket.end();
          return;
        }
        socket.write(payload.subarray(offset, offset + size));
        offset += size;
        setImmediate(writeNext);
      };
      writeNext();
    });
  });
}
