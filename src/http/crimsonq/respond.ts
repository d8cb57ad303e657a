import type { Response } from 'express';
import { goJson } from '../../domain/crimsonq-wire';
import { JSON_TYPE } from '../wire';
import { TEXT_TYPE } from './wire';

function send(res: Response, status: number, type: string, body: string): void {
  const payload = Buffer.from(body, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
}

/** fiber's `c.JSON(value)`: `application/json`, 200 unless told. */
export function sendCqJson(res: Response, value: unknown, status = 200): void {
  send(res, status, JSON_TYPE, goJson(value));
}

/** fiber's `c.SendString(text)` and its error handler: `text/plain; charset=utf-8`. */
export function sendText(res: Response, status: number, text: string): void {
  send(res, status, TEXT_TYPE, text);
}
