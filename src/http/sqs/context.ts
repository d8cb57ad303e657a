import { SqsRefused } from '../../domain/errors';
import type { EngineDeps } from '../../engine/deps';
import type { SqsInput } from './input';

/** What every SQS action works with. */
export interface SqsContext {
  deps: EngineDeps;
  /** The project the credentials reach. */
  projectId: string;
  /** The region of queue ARNs (FERRITE_SQS_REGION). */
  region: string;
  /** Where queue URLs start: FERRITE_PUBLIC_URL, or the scheme and Host the request came to. */
  baseUrl: string;
  /** The queue named by the URL path, when the request was posted to a queue URL (older SDKs). */
  pathQueueUrl: string | null;
  /** Aborted when the client goes away: a long poll stops parking. */
  signal: AbortSignal;
}

/** An SQS action: its parameters in, its result (in the JSON protocol's shape) out. */
export type SqsAction = (ctx: SqsContext, input: SqsInput) => Promise<Record<string, unknown>>;

/** A queue's URL: `{base}/{project_id}/{queue_name}`, the name percent-encoded. */
export function queueUrl(ctx: SqsContext, name: string): string {
  return `${ctx.baseUrl}/${ctx.projectId}/${encodeURIComponent(name)}`;
}

/**
 * The queue a request names by QueueUrl (or by the URL it was posted to): the last two path segments are the
 * project and the queue, whatever the host. Another project's queue is AccessDenied.
 */
export function queueOf(ctx: SqsContext, input: SqsInput): string {
  const url = input.string('QueueUrl') ?? ctx.pathQueueUrl;
  if (url === null || url === '') {
    throw new SqsRefused('missing_parameter', 'The request must contain the parameter QueueUrl.');
  }
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/[^?#]*)/i.exec(url)?.[1] ?? url.split(/[?#]/)[0]!;
  const segments = path.split('/').filter((segment) => segment !== '');
  const [project, encoded] = segments.slice(-2);
  let name: string | null = null;
  try {
    name = segments.length >= 2 && encoded !== undefined ? decodeURIComponent(encoded) : null;
  } catch {
    name = null;
  }
  if (name === null || project === undefined || !/^[0-9a-f]{24}$/.test(project)) {
    throw new SqsRefused(
      'invalid_address',
      `The address ${url.slice(0, 256)} is not valid for this endpoint.`,
    );
  }
  if (project !== ctx.projectId) {
    throw new SqsRefused('access_denied', `Access to the resource ${url.slice(0, 256)} is denied.`);
  }
  return name;
}

/** An opaque paging token: the last name of the page, base64url. */
export function nextToken(last: string): string {
  return Buffer.from(last, 'utf8').toString('base64url');
}

export function afterToken(input: SqsInput): string {
  const token = input.string('NextToken');
  if (token === undefined || token === '') return '';
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(token)) {
    throw new SqsRefused('invalid_parameter_value', 'Invalid NextToken value.');
  }
  return Buffer.from(token, 'base64url').toString('utf8');
}
