import type Database from 'better-sqlite3';
import { CQ_ERROR } from '../../src/domain/crimsonq-wire';
import { CQ_HTTP, TEXT_TYPE } from '../../src/http/crimsonq/wire';
import { exchange, serialize, type Framing, type RawExchange, type RawRequest } from './raw-http';
import { fingerprint } from './store-checks';

/**
 * Hostile requests as plain JSON (so that a case the fuzzer finds can be pasted into corpus/ as it is), how
 * each is sent, and the invariants every answer must keep. hostile-arbitraries.ts generates them.
 */

export type HostileBody =
  | { json: unknown }
  | { text: string }
  | { base64: string }
  /** `before + repeat × times + after`: deep nesting and huge bodies without storing them. */
  | { repeat: string; times: number; before?: string; after?: string };

export type AuthStyle = 'header' | 'query' | 'body' | 'none' | 'wrong' | 'other-project' | { raw: string };

export interface HostileCase {
  note?: string;
  method: string;
  /**
   * Sent as written after replacing {project}, {other_project}, {queue}, {message}: percent-encoding and
   * traversal are not normalized. Strings "{message}" and "{reservation}" inside a JSON body are replaced too.
   */
  path: string;
  auth: AuthStyle;
  headers?: [string, string][];
  body?: HostileBody;
  framing?: Framing;
  pieces?: number;
  /** Send half the body, then half-close. */
  truncate?: boolean;
  /** Corpus cases may pin the status; the fuzzer checks only the invariants. */
  expectStatus?: number;
}

/** The live objects a case may name. */
export interface HostileContext {
  port: number;
  projectId: string;
  token: string;
  otherProjectId: string;
  otherToken: string;
  queue: string;
  messageId: string;
  reservationId: string;
  db: Database.Database;
}

function fill(text: string, ctx: HostileContext): string {
  return text
    .replace(/\{project\}/g, ctx.projectId)
    .replace(/\{other_project\}/g, ctx.otherProjectId)
    .replace(/\{queue\}/g, encodeURIComponent(ctx.queue))
    .replace(/\{message\}/g, ctx.messageId)
    .replace(/\{reservation\}/g, ctx.reservationId);
}

function fillJson(value: unknown, ctx: HostileContext): unknown {
  if (typeof value === 'string') {
    return value === '{message}' ? ctx.messageId : value === '{reservation}' ? ctx.reservationId : value;
  }
  if (Array.isArray(value)) return value.map((item) => fillJson(item, ctx));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: fillJson(item, ctx), enumerable: true, writable: true });
    }
    return out;
  }
  return value;
}

function bodyBytes(body: HostileBody | undefined, ctx: HostileContext, oauth: string | null): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if ('json' in body) {
    let value = fillJson(body.json, ctx);
    if (oauth !== null && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      value = { ...value, oauth };
    }
    return Buffer.from(JSON.stringify(value) ?? '', 'utf8');
  }
  if ('text' in body) return Buffer.from(body.text, 'utf8');
  if ('base64' in body) return Buffer.from(body.base64, 'base64');
  return Buffer.from(`${body.before ?? ''}${body.repeat.repeat(body.times)}${body.after ?? ''}`, 'utf8');
}

/**
 * Whether a target may be the SQS API's (`/`, `/sqs`, a queue URL `/{project}/{queue}`): its answers are then
 * SQS's JSON or XML shapes when they come from the SQS router (other two-segment paths answer JSON `{"msg"}`).
 */
export function isSqsCandidate(target: string): boolean {
  return /^\/([^/?#]+\/?){0,2}([?#]|$)/.test(target) && !isCrimsonqTarget(target);
}

const SQS_ACTIONS = ['SendMessage', 'ReceiveMessage', 'SendMessageBatch', 'GetQueueAttributes', 'ListQueues'];

/** SigV4's header shape with IronMQ's `<project_id>:<token>` access key (the signature is not checked). */
function sqsAuthorization(projectId: string, token: string): string {
  return `AWS4-HMAC-SHA256 Credential=${projectId}:${token}/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00`;
}

/** The request a case stands for. */
export function toRawRequest(c: HostileCase, ctx: HostileContext): RawRequest {
  let target = fill(c.path, ctx);
  const headers: [string, string][] = [...(c.headers ?? [])];
  let oauth: string | null = null;
  const auth = c.auth;
  const sqs = isSqsCandidate(target) && c.method === 'POST';
  // The SQS API takes its action from X-Amz-Target (JSON protocol) and its credentials from SigV4's header.
  if (sqs) headers.push(['X-Amz-Target', `AmazonSQS.${SQS_ACTIONS[(c.pieces ?? 0) % SQS_ACTIONS.length]!}`]);
  if (auth === 'header')
    headers.push(['Authorization', sqs ? sqsAuthorization(ctx.projectId, ctx.token) : `OAuth ${ctx.token}`]);
  else if (auth === 'other-project')
    headers.push([
      'Authorization',
      sqs ? sqsAuthorization(ctx.otherProjectId, ctx.otherToken) : `OAuth ${ctx.otherToken}`,
    ]);
  else if (auth === 'wrong') headers.push(['Authorization', 'OAuth wrong-token-0000000000000000']);
  else if (auth === 'query')
    target += `${target.includes('?') ? '&' : '?'}oauth=${encodeURIComponent(ctx.token)}`;
  else if (auth === 'body') oauth = ctx.token;
  else if (typeof auth === 'object') headers.push(['Authorization', auth.raw]);
  const body = bodyBytes(c.body, ctx, oauth);
  return {
    method: c.method,
    target,
    headers,
    body,
    framing: c.framing ?? 'length',
    pieces: c.pieces,
    truncateAt: c.truncate || c.framing === 'long-length' ? Math.floor(body.length / 2) : undefined,
  };
}

/** Whether the server received every byte of the request its framing announces. */
function arrivedWhole(request: RawRequest): boolean {
  if (request.truncateAt === undefined) return true;
  const { bytes, bodyStart } = serialize(request);
  const sent = Math.min(bytes.length, bodyStart + request.truncateAt);
  switch (request.framing) {
    case 'none':
      return true;
    case 'short-length':
      return sent - bodyStart >= Math.max(0, request.body.length - 3);
    case 'length':
    case 'long-length':
    case 'chunked':
      return sent >= bytes.length;
  }
}

export interface Verdict {
  problems: string[];
  /** The first final status, or 'closed' when the server closed without answering. */
  status: number | 'closed';
}

/**
 * Whether a request target is the CrimsonQ API's (`/login`, anything under `/api`), whose errors are text.
 * `/login/…` is not: only `/login` itself is a route, and other paths under it are the app's JSON 404.
 */
export function isCrimsonqTarget(target: string): boolean {
  return /^\/(api(\/|\?|#|$)|login\/?(\?|#|$))/i.test(target);
}

/**
 * The answers of src/server.ts's clientError handler to bytes Node's parser refuses (an unknown method, two
 * Content-Lengths, a body cut short …): sent before any routing, so in the IronMQ shape even under /api.
 */
const PARSER_ANSWERS: ReadonlyMap<number, string> = new Map([
  [400, '{"msg":"Bad request"}'],
  [408, '{"msg":"Request was not received in time"}'],
  [431, '{"msg":"Headers too large"}'],
]);

function isParserAnswer(response: {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}): boolean {
  return (
    response.headers['content-type'] === 'application/json' &&
    response.headers.connection === 'close' &&
    PARSER_ANSWERS.get(response.status) === response.body.toString('utf8')
  );
}

const CQ_TEXTS: ReadonlySet<string> = new Set<string>([
  ...Object.values(CQ_ERROR),
  ...Object.values(CQ_HTTP),
]);

/** What a 4xx of the CrimsonQ API may say: one of its error codes, a JWT/HTTP text, or fiber's 404 text. */
function problemOfCrimsonqError(
  response: { headers: Record<string, string>; body: Buffer },
  method: string,
): string | null {
  const type = response.headers['content-type'];
  if (type !== TEXT_TYPE) return `Content-Type ${JSON.stringify(type)} (CrimsonQ answers ${TEXT_TYPE})`;
  if (method === 'HEAD') return null;
  const text = response.body.toString('utf8');
  if (text === '') return 'empty body';
  if (!CQ_TEXTS.has(text) && !text.startsWith('Cannot '))
    return `unknown CrimsonQ error text: ${text.slice(0, 200)}`;
  return null;
}

/** What a 4xx of the SQS API may be: JSON `{"__type", "message"}` with x-amzn-query-error, or XML ErrorResponse. */
function problemOfSqsError(
  response: { headers: Record<string, string>; body: Buffer },
  method: string,
): string | null {
  if (method === 'HEAD') return null;
  const text = response.body.toString('utf8');
  if (response.headers['content-type'] === 'text/xml') {
    return /^<\?xml version="1.0"\?><ErrorResponse xmlns="[^"]+"><Error><Type>(Sender|Receiver)<\/Type><Code>[A-Za-z.]+<\/Code><Message>[^<]*<\/Message><Detail\/><\/Error><RequestId>[^<]*<\/RequestId><\/ErrorResponse>$/.test(
      text,
    )
      ? null
      : `not an SQS XML error: ${text.slice(0, 200)}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `not an SQS JSON error: ${text.slice(0, 200)}`;
  }
  const { __type: kind, message } = (parsed ?? {}) as { __type?: unknown; message?: unknown };
  if (typeof kind !== 'string' || !kind.startsWith('com.amazonaws.sqs#') || typeof message !== 'string') {
    return `not an SQS JSON error: ${text.slice(0, 200)}`;
  }
  if (!/^[A-Za-z.]+;(Sender|Receiver)$/.test(response.headers['x-amzn-query-error'] ?? '')) {
    return 'x-amzn-query-error is missing';
  }
  return null;
}

/**
 * Sends a case and checks the invariants: no 5xx; a 4xx is JSON `{"msg": …}` from the IronMQ API and text (an
 * error code or a JWT text) from the CrimsonQ API; a refused request changes nothing.
 */
export async function sendCase(c: HostileCase, ctx: HostileContext): Promise<Verdict> {
  const request = toRawRequest(c, ctx);
  const before = fingerprint(ctx.db);
  let answer: RawExchange;
  try {
    answer = await exchange(ctx.port, request);
  } catch (error) {
    return { problems: [String(error)], status: 'closed' };
  }
  const problems: string[] = [];
  const finals = answer.responses.filter((r) => r.status >= 200);
  for (const response of finals) {
    const where = `${response.status}`;
    if (response.status >= 500)
      problems.push(`${where}: a 5xx (${response.body.toString('utf8').slice(0, 200)})`);
    // Bytes the HTTP parser refuses are answered before any routing, in the IronMQ shape even under /api (a
    // known gap of src/server.ts): for the CrimsonQ API those exact answers are accepted too.
    const type = response.headers['content-type'];
    const sqsShaped = type === 'application/x-amz-json-1.0' || type === 'text/xml';
    if (response.status >= 400 && isSqsCandidate(request.target) && sqsShaped) {
      const problem = problemOfSqsError(response, request.method);
      if (problem !== null) problems.push(`${where}: ${problem}`);
    } else if (response.status >= 400 && isCrimsonqTarget(request.target) && !isParserAnswer(response)) {
      const problem = problemOfCrimsonqError(response, request.method);
      if (problem !== null) problems.push(`${where}: ${problem}`);
    } else if (response.status >= 400) {
      if (response.headers['content-type'] !== 'application/json') {
        problems.push(`${where}: Content-Type ${JSON.stringify(response.headers['content-type'])}`);
      }
      if (request.method !== 'HEAD') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(response.body.toString('utf8'));
        } catch {
          parsed = undefined;
        }
        const msg = (parsed as { msg?: unknown } | undefined)?.msg;
        if (typeof msg !== 'string' || msg === '') {
          problems.push(`${where}: body is not {"msg": …}: ${response.body.toString('utf8').slice(0, 200)}`);
        }
      }
    }
  }
  if (answer.garbage.length > 0)
    problems.push(`unparsable bytes after the answer: ${answer.garbage.toString('latin1').slice(0, 80)}`);
  // Closing without an answer is right only when the request never arrived whole, or the client half-closed
  // (Node then drops the answer of a request it may still carry out), or for CONNECT.
  const incomplete = !arrivedWhole(request);
  if (finals.length === 0 && request.truncateAt === undefined && request.method !== 'CONNECT') {
    problems.push('closed without an answer');
  }
  const first = finals[0];
  const status = first ? first.status : 'closed';
  // A refusal changes nothing; so does a request that never arrived whole. A whole request whose answer was
  // lost to the client's half-close is in doubt, like any request whose connection dies: not checked.
  if ((status === 'closed' && incomplete) || (status !== 'closed' && status >= 400)) {
    const after = fingerprint(ctx.db);
    if (after !== before) problems.push(`refused (${status}) but the store changed:\n${before}\n${after}`);
  }
  if (c.expectStatus !== undefined && status !== c.expectStatus) {
    problems.push(`expected ${c.expectStatus}, got ${status}`);
  }
  return { problems, status };
}
