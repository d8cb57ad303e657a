import busboy from 'busboy';
import type { Request } from 'express';
import { InvalidInput } from '../../domain/errors';

/**
 * POST bodies of the CrimsonQ API, read the way fiber's BodyParser reads CrimsonQ's PostBody (spec crimsonq
 * §2.1): JSON, urlencoded or multipart by Content-Type, field names case-insensitive. Anything else, or a body
 * that does not parse, is `008: incorrect_args` (an InvalidInput). XML, which fiber also reads, is not supported.
 */

/** Field values by lowercase name: strings from forms, any JSON value from JSON. */
export type Fields = ReadonlyMap<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function badArgs(why: string): InvalidInput {
  return new InvalidInput(why);
}

/** The media type as fiber compares it: lowercase, no parameters, `application/vnd.x+json` → `application/json`. */
function mediaTypeOf(header: string | undefined): string {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  const vendor = /^([^/]+)\/[^+]*\+(.+)$/.exec(type);
  return vendor ? `${vendor[1]}/${vendor[2]}` : type;
}

function decode(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw badArgs('The body is not valid UTF-8');
  }
}

function jsonFields(raw: Buffer): Fields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decode(raw));
  } catch (error) {
    if (error instanceof InvalidInput) throw error;
    throw badArgs('The body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badArgs('The body must be a JSON object');
  }
  const fields = new Map<string, unknown>();
  for (const [name, value] of Object.entries(parsed)) fields.set(name.toLowerCase(), value);
  return fields;
}

function formFields(raw: Buffer): Fields {
  const fields = new Map<string, unknown>();
  // The first value of a repeated key wins, as gorilla/schema fills a string field.
  for (const [name, value] of new URLSearchParams(decode(raw))) {
    const key = name.toLowerCase();
    if (!fields.has(key)) fields.set(key, value);
  }
  return fields;
}

function multipartFields(req: Request, raw: Buffer): Promise<Fields> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, unknown>();
    let parser: busboy.Busboy;
    try {
      // The whole body is already read and bounded by FERRITE_MAX_REQUEST_BYTES: no per-field limit here.
      parser = busboy({ headers: req.headers, limits: { fieldSize: Infinity } });
    } catch {
      reject(badArgs('The multipart body has no boundary'));
      return;
    }
    parser.on('field', (name, value) => {
      const key = name.toLowerCase();
      if (!fields.has(key)) fields.set(key, value);
    });
    // Files are not fields of any command: drained and ignored.
    parser.on('file', (_name, stream) => stream.resume());
    parser.on('error', () => reject(badArgs('The multipart body does not parse')));
    parser.on('close', () => resolve(fields));
    parser.end(raw);
  });
}

/** Reads the fields of a POST body (already read raw, within the request size limit). */
export async function readFields(req: Request): Promise<Fields> {
  const raw: unknown = req.body;
  const body = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  const type = mediaTypeOf(req.headers['content-type']);
  if (type === 'application/json') return jsonFields(body);
  if (type === 'application/x-www-form-urlencoded') return formFields(body);
  if (type === 'multipart/form-data') return multipartFields(req, body);
  throw badArgs('Unsupported Content-Type');
}

/** A string field; absent or null is "" (Go's zero value). Any other JSON type is refused. */
export function textField(fields: Fields, name: string): string {
  const value = fields.get(name.toLowerCase());
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badArgs(`${name} must be a string`);
  return value;
}

/** A whole-number field: a JSON number or a numeric string; absent, null or "" is 0 (Go's zero value). */
export function integerField(fields: Fields, name: string): number {
  const value = fields.get(name.toLowerCase());
  if (value === undefined || value === null || value === '') return 0;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^[+-]?\d{1,16}$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(number)) throw badArgs(`${name} must be a whole number`);
  return number;
}
