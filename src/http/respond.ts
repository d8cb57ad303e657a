import type { Response } from 'express';
import { JSON_TYPE } from './wire';

/**
 * Sends `body` as JSON with `Content-Type: application/json` exactly (no charset: the Java client compares the
 * whole header) and an explicit Content-Length (Java reads error bodies only when it has one). Never compressed:
 * the Go client sends `Accept-Encoding: gzip/deflate` and would not decode it.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
}
