import { createHash, createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import type { Request } from 'express';
import { SqsRefused, Unauthorized } from '../../domain/errors';
import type { EngineDeps } from '../../engine/deps';
import { authorize } from '../../engine/projects';
import { liveSqsKey } from '../../engine/sqs-keys';
import { MAX_CLOCK_SKEW_MS } from './wire';

/**
 * Who an SQS request is, two ways (README "SQS API"):
 * - IronMQ's scheme: the access key id is `<project_id>:<token>` and the signature is not checked (the token
 *   is); FERRITE_SQS_IRONMQ_AUTH=false turns it off.
 * - SigV4 with a key Ferrite issued (`ferrite sqs-key create`): the signature, its date and its scope are
 *   verified with AWS's own signer (@smithy/signature-v4) recomputing the signature over the request as received.
 * Either way the request reaches only the key's project.
 */

export interface SqsAuthOptions {
  /** Accept IronMQ's `<project_id>:<token>` access key ids. */
  ironmqScheme: boolean;
}

/** A SHA-256 (or HMAC-SHA-256 with a key) in the shape the signer takes. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytesOf(data: SourceData): BinaryLike {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

const refuse = (reason: ConstructorParameters<typeof SqsRefused>[0], message: string) =>
  new SqsRefused(reason, message);

interface SigV4Header {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=…/date/region/service/aws4_request, SignedHeaders=…, Signature=…`. */
function parseAuthorization(header: string): SigV4Header {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!match) throw refuse('incomplete_signature', 'Unsupported Authorization type; use AWS4-HMAC-SHA256.');
  const parts: Record<string, string> = {};
  for (const part of match[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const { Credential: credential, SignedHeaders: signed, Signature: signature } = parts;
  if (!credential || !signed || !signature) {
    throw refuse(
      'incomplete_signature',
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    );
  }
  // The access key id may hold '/' only in IronMQ's scheme (a token); the scope is the last four parts.
  const pieces = credential.split('/');
  if (pieces.length < 5)
    throw refuse(
      'incomplete_signature',
      'Credential must have the form <key>/<date>/<region>/<service>/aws4_request.',
    );
  const [date, region, service, terminator] = pieces.slice(-4) as [string, string, string, string];
  return {
    accessKeyId: pieces.slice(0, -4).join('/'),
    date,
    region,
    service,
    terminator,
    signedHeaders: signed.split(';'),
    signature,
  };
}

/** The raw query string's parameters, decoded (`+` stays `+`: SigV4 clients encode spaces as %20). */
function queryOf(url: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  const at = url.indexOf('?');
  if (at < 0) return query;
  for (const pair of url.slice(at + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text);
      } catch {
        return text;
      }
    };
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    const existing = query[key];
    query[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

/** `20260101T000000Z` as ms since the epoch, or NaN. */
function amzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

async function verifySigV4(
  deps: EngineDeps,
  req: Request,
  body: Buffer,
  auth: SigV4Header,
  secret: string,
): Promise<void> {
  const dateHeader = req.headers['x-amz-date'];
  if (typeof dateHeader !== 'string') {
    throw refuse('incomplete_signature', "Authorization header requires existence of a 'X-Amz-Date' header.");
  }
  const signedAt = amzDate(dateHeader);
  if (Number.isNaN(signedAt))
    throw refuse(
      'incomplete_signature',
      `X-Amz-Date ${dateHeader.slice(0, 32)} is not of the form YYYYMMDDTHHMMSSZ.`,
    );
  if (
    auth.service !== 'sqs' ||
    auth.terminator !== 'aws4_request' ||
    auth.date !== dateHeader.slice(0, 8) ||
    auth.region === ''
  ) {
    throw refuse(
      'signature_does_not_match',
      `Credential should be scoped to ${dateHeader.slice(0, 8)}/<region>/sqs/aws4_request.`,
    );
  }
  const now = deps.clock.now();
  if (Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
    throw refuse(
      'request_expired',
      `Signature expired: ${dateHeader} is more than 15 minutes away from the server's time ${new Date(now).toISOString()}.`,
    );
  }
  if (!auth.signedHeaders.includes('host'))
    throw refuse('incomplete_signature', "SignedHeaders must include 'host'.");
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined)
      throw refuse('signature_does_not_match', `Signed header ${name.slice(0, 64)} is missing.`);
    headers[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  // A signed payload hash must be the body's, or a body could be swapped under a valid signature.
  const claimed = headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== payloadHash) {
    throw refuse(
      'signature_does_not_match',
      'The provided x-amz-content-sha256 header does not match the body.',
    );
  }
  const signer = new SignatureV4({
    service: 'sqs',
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    sha256: Sha256,
    applyChecksum: false,
  });
  const url = req.originalUrl;
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: '',
      path: url.split('?')[0]!,
      query: queryOf(url),
      headers: { ...headers, 'x-amz-content-sha256': payloadHash },
      body,
    },
    {
      signingDate: new Date(signedAt),
      signableHeaders: new Set(auth.signedHeaders),
      unsignableHeaders: new Set(
        auth.signedHeaders.includes('x-amz-content-sha256') ? [] : ['x-amz-content-sha256'],
      ),
    },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const expectedHeaders = /SignedHeaders=([^,]+),/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const given = Buffer.from(auth.signature);
  if (
    expectedHeaders !== [...auth.signedHeaders].sort().join(';') ||
    given.length !== expected.length ||
    !timingSafeEqual(given, Buffer.from(expected))
  ) {
    throw refuse(
      'signature_does_not_match',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
}

/** IronMQ's scheme: `<project_id>:<token>`, with the token checked as the IronMQ API checks it. */
async function ironmqProject(deps: EngineDeps, accessKeyId: string): Promise<string> {
  const colon = accessKeyId.indexOf(':');
  const projectId = accessKeyId.slice(0, colon);
  try {
    await authorize(deps, projectId, accessKeyId.slice(colon + 1));
  } catch (error) {
    if (error instanceof Unauthorized) throw invalidKey();
    throw error;
  }
  return projectId;
}

const invalidKey = () =>
  refuse('invalid_client_token_id', 'The security token included in the request is invalid.');

/** The project an SQS request may act in, or the SQS error that refuses it. */
export async function authenticate(
  deps: EngineDeps,
  options: SqsAuthOptions,
  req: Request,
  body: Buffer,
  formAccessKeyId: string | undefined,
): Promise<string> {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header === '') {
    // Signature version 2 clients put the key in the form; only IronMQ's scheme can be served so.
    if (options.ironmqScheme && formAccessKeyId?.includes(':')) return ironmqProject(deps, formAccessKeyId);
    throw refuse('missing_authentication_token', 'Request is missing Authentication Token');
  }
  const auth = parseAuthorization(header);
  if (auth.accessKeyId.includes(':')) {
    if (!options.ironmqScheme) throw invalidKey();
    return ironmqProject(deps, auth.accessKeyId);
  }
  const key = await liveSqsKey(deps, auth.accessKeyId);
  if (!key) throw invalidKey();
  await verifySigV4(deps, req, body, auth, key.secret);
  return key.projectId;
}
