import type { RequestHandler } from 'express';
import { InvalidInput } from '../../domain/errors';
import { MSG } from '../wire';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * No IronMQ body nests deeper than 6 levels. Far deeper arrays make express-validator's stringify recurse until
 * the stack overflows (a 500), so they are refused before parsing.
 */
const MAX_DEPTH = 32;

/** The deepest `[`/`{` nesting of a JSON text, ignoring brackets inside strings. */
function nestingOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
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
  if (buffer.length === 0 || buffer.toString('latin1').trim() === '') {
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
  if (nestingOf(text) > MAX_DEPTH) throw new InvalidInput(MSG.tooDeep);
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
