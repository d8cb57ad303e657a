import type { TestServer } from '../helpers/server';

/**
 * SQS requests written by hand, for what a real client never sends (bad types, missing parameters) and to read
 * the exact wire answer. Authenticated with IronMQ's scheme (the signature is not checked there).
 */
export interface RawAnswer {
  status: number;
  type: string | null;
  text: string;
  /** JSON answers parsed; XML answers as text. */
  json: Record<string, unknown> | null;
  queryError: string | null;
  requestId: string | null;
}

function authorization(server: TestServer, accessKeyId = `${server.projectId}:${server.token}`): string {
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
}

async function answer(res: Response): Promise<RawAnswer> {
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  if (res.headers.get('content-type') === 'application/x-amz-json-1.0')
    json = JSON.parse(text) as Record<string, unknown>;
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text,
    json,
    queryError: res.headers.get('x-amzn-query-error'),
    requestId: res.headers.get('x-amzn-requestid'),
  };
}

/** A JSON-protocol request: `X-Amz-Target: AmazonSQS.<action>` and a JSON body (a string is sent as is). */
export async function jsonRequest(
  server: TestServer,
  action: string,
  body: unknown,
  options: { accessKeyId?: string; path?: string } = {},
): Promise<RawAnswer> {
  const res = await fetch(`${server.url}${options.path ?? '/'}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `AmazonSQS.${action}`,
      'X-Amz-Date': '20260101T000000Z',
      Authorization: authorization(server, options.accessKeyId),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answer(res);
}

/** A query-protocol request: a form with `Action=…` and the flattened parameters. */
export async function queryRequest(
  server: TestServer,
  params: Record<string, string>,
  options: { accessKeyId?: string; path?: string } = {},
): Promise<RawAnswer> {
  const res = await fetch(`${server.url}${options.path ?? '/'}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      'X-Amz-Date': '20260101T000000Z',
      Authorization: authorization(server, options.accessKeyId),
    },
    body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
  });
  return answer(res);
}
