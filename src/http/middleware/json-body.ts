import type { RequestHandler } from 'express';
import { InvalidInput } from '../../domain/errors';
import { MSG } from '../wire';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * No IronMQ body nests deeper than 6 levels. Far deeper arrays make express-validator's stringify recurse until
 * the stack overflows (a 500), so they are refused before parsing.
 */
const MAX_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Whether a JSON text nests `[`/`{` deeper than `limit`, ignoring brackets inside strings; stops early. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/**
 * Whether a body holds nothing but white space (then it means `{}`): the bytes String.trim removes from a
 * Latin-1 reading of it (tab to carriage return, space, no-break space). Stops at the first other byte.
 */
function isBlank(buffer: Buffer): boolean {
  for (const byte of buffer) {
    if (!((byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0xa0)) return false;
  }
  return true;
}

/**
 * Parses the raw body (read by express.raw with the size limit) as a JSON object, whatever the Content-Type:
 * clients differ in what they send, GET requests from Go carry `{}`, and DELETE from Python carries nothing.
 * An empty body is `{}`. The raw bytes stay on `res.locals.rawBody` for the webhook.
 */
export const jsonBody: RequestHandler = (req, res, next) => {
  const raw: unknown = req.body;
  res.locals.rawBody = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  const buffer = res.locals.rawBody as Buffer;
  if (isBlank(buffer)) {
    req.body = {};
    next();
    return;
  }
  let text: string;
  try {
    text = utf8.decode(buffer);
  } catch {
    throw new InvalidInput(MSG.invalidUtf8);
  }
  if (nestsDeeperThan(text, MAX_DEPTH)) throw new InvalidInput(MSG.tooDeep);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidInput(MSG.invalidJson);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidInput(MSG.notAnObject);
  req.body = parsed;
  next();
};
