import { randomUUID } from 'node:crypto';
import { XmlNode } from '@aws-sdk/xml-builder';
import type { Request, Response } from 'express';
import { SQS_ERROR_NAMESPACE, SQS_JSON_TYPE, SQS_TARGET_PREFIX, SQS_XMLNS, SQS_XML_TYPE } from './wire';

/** Writes SQS answers: the JSON protocol as JSON, the query protocol as AWS's XML. */

export type SqsProtocol = 'json' | 'query';

/** An SQS error as each protocol shows it (errors.ts maps every domain error to one). */
export interface SqsErrorShape {
  /** The JSON protocol's `__type` name (the SDK's exception class): QueueDoesNotExist … */
  name: string;
  /** The query protocol's `<Code>` and the JSON `x-amzn-query-error` header: AWS.SimpleQueueService.NonExistentQueue … */
  code: string;
  status: number;
  /** Sender (the client's fault) or Receiver (the server's). */
  fault: 'Sender' | 'Receiver';
}

/** The protocol a request speaks: JSON when it names its action in X-Amz-Target or sends amz-json. */
export function protocolOf(req: Request): SqsProtocol {
  const target = req.headers['x-amz-target'];
  const type = req.headers['content-type'] ?? '';
  if (typeof target === 'string' && target.startsWith(SQS_TARGET_PREFIX)) return 'json';
  return /^application\/x-amz-json/i.test(type) ? 'json' : 'query';
}

/** XML element names of list members and map entries (the query protocol flattens them). */
const LIST_MEMBERS: Record<string, string> = {
  QueueUrls: 'QueueUrl',
  queueUrls: 'QueueUrl',
  Messages: 'Message',
  Failed: 'BatchResultErrorEntry',
};
const MAP_ENTRIES: Record<string, [entry: string, key: string, value: string]> = {
  Attributes: ['Attribute', 'Name', 'Value'],
  Tags: ['Tag', 'Key', 'Value'],
  MessageAttributes: ['MessageAttribute', 'Name', 'Value'],
};

function addFields(node: XmlNode, fields: Record<string, unknown>, action: string): XmlNode {
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    const entry = MAP_ENTRIES[name];
    if (entry && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const child = new XmlNode(entry[0]).c(XmlNode.of(entry[1], key));
        child.c(
          typeof item === 'object' && item !== null
            ? addFields(new XmlNode(entry[2]), item as Record<string, unknown>, action)
            : XmlNode.of(entry[2], String(item)),
        );
        node.c(child);
      }
    } else if (Array.isArray(value)) {
      const member = name === 'Successful' ? `${action}ResultEntry` : (LIST_MEMBERS[name] ?? name);
      for (const item of value) {
        node.c(
          typeof item === 'object' && item !== null
            ? addFields(new XmlNode(member), item as Record<string, unknown>, action)
            : XmlNode.of(member, String(item)),
        );
      }
    } else if (typeof value === 'object') {
      node.c(addFields(new XmlNode(name), value as Record<string, unknown>, action));
    } else {
      node.c(XmlNode.of(name, typeof value === 'string' ? value : JSON.stringify(value)));
    }
  }
  return node;
}

function send(
  res: Response,
  status: number,
  type: string,
  payload: string,
  extra: Record<string, string> = {},
) {
  const bytes = Buffer.from(payload, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('x-amzn-RequestId', requestIdOf(res));
  for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
  res.end(bytes);
}

/**
 * The request's id in SQS's shape (a UUID, as AWS sends in x-amzn-RequestId and every answer's RequestId), made
 * once per SQS request and logged beside X-Request-Id (see request-log.ts).
 */
function requestIdOf(res: Response): string {
  let id = res.locals.sqsRequestId as string | undefined;
  if (id === undefined) res.locals.sqsRequestId = id = randomUUID();
  return id;
}

/**
 * A successful answer: the result object as JSON, or as `<{Action}Response><{Action}Result>…` XML with lists
 * and maps flattened as the query protocol has them (`<Attribute><Name/><Value/></Attribute>` …).
 */
export function sendSqsResult(
  res: Response,
  protocol: SqsProtocol,
  action: string,
  result: Record<string, unknown>,
): void {
  if (protocol === 'json') {
    send(res, 200, SQS_JSON_TYPE, JSON.stringify(result));
    return;
  }
  const response = new XmlNode(`${action}Response`).a('xmlns', SQS_XMLNS);
  if (Object.keys(result).length > 0) response.c(addFields(new XmlNode(`${action}Result`), result, action));
  response.c(new XmlNode('ResponseMetadata').c(XmlNode.of('RequestId', requestIdOf(res))));
  send(res, 200, SQS_XML_TYPE, `<?xml version="1.0"?>${response.toString()}`);
}

/** An error answer in the request's protocol, with SQS's code, status and fault. */
export function sendSqsError(req: Request, res: Response, error: SqsErrorShape, message: string): void {
  if (protocolOf(req) === 'json') {
    send(
      res,
      error.status,
      SQS_JSON_TYPE,
      JSON.stringify({ __type: `${SQS_ERROR_NAMESPACE}#${error.name}`, message }),
      {
        'x-amzn-query-error': `${error.code};${error.fault}`,
      },
    );
    return;
  }
  const body = new XmlNode('ErrorResponse')
    .a('xmlns', SQS_XMLNS)
    .c(
      new XmlNode('Error')
        .c(XmlNode.of('Type', error.fault))
        .c(XmlNode.of('Code', error.code))
        .c(XmlNode.of('Message', message))
        .c(new XmlNode('Detail')),
    )
    .c(XmlNode.of('RequestId', requestIdOf(res)));
  send(res, error.status, SQS_XML_TYPE, `<?xml version="1.0"?>${body.toString()}`);
}
