import type { Request, RequestHandler } from 'express';
import { InvalidInput } from '../../domain/errors';

/**
 * Field checks written out by hand for the hot routes (post, reserve, delete, touch, release, peek), where
 * express-validator's generic chains cost a tenth of a request's CPU. Each check has exactly the semantics and
 * the error texts of the schema rule it replaces (`validate.ts`): absent or null is "not given", digit strings
 * count as numbers and are converted in place, and the first bad field in rule order is the one reported.
 */

export type Fields = Record<string, unknown>;

/** A route rule over the JSON body (or the query), run before the handler; it throws InvalidInput (400). */
export function checkBody(check: (body: Fields) => void): RequestHandler {
  return (req, _res, next) => {
    check(req.body as Fields);
    next();
  };
}

/** A route rule over the query: it sees (and converts in) a copy that then replaces `req.query` for the handler. */
export function checkQuery(check: (query: Fields) => void): RequestHandler {
  return (req, _res, next) => {
    check(stableQuery(req));
    next();
  };
}

/**
 * Express 5 re-parses `req.query` on every access, so values converted by a rule would be lost. The query is
 * parsed once into a plain own property that rules rewrite and handlers read. Only routes that convert query
 * values pay for it.
 */
export function stableQuery(req: Request): Fields {
  const query: Fields = { ...req.query };
  Object.defineProperty(req, 'query', { value: query, writable: true, enumerable: true });
  return query;
}

/** What express-validator's isInt accepts (validator.js, leading zeroes allowed). */
const INTEGER = /^[-+]?[0-9]+$/;

/** An optional whole number in [min, max], as `wholeNumber(min, max)`: converted to a number in place. */
export function wholeNumber(fields: Fields, key: string, min: number, max: number): void {
  const value = fields[key];
  if (value === undefined || value === null) return;
  // Anything but a number or a string (a boolean, an array, an object) fails the pattern, as it did there.
  const text = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
  const n = INTEGER.test(text) ? parseInt(text, 10) : NaN;
  if (!(n >= min && n <= max)) throw new InvalidInput(`${key} must be a whole number from ${min} to ${max}`);
  fields[key] = n;
}

export function optionalString(fields: Fields, key: string): void {
  const value = fields[key];
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw new InvalidInput(`${key} must be a string`);
  }
}

export function requiredString(fields: Fields, key: string): void {
  const value = fields[key];
  if (value === undefined) throw new InvalidInput(`${key} is required`);
  if (typeof value !== 'string') throw new InvalidInput(`${key} must be a string`);
}

/** An optional boolean (true, false, "true" or "false"), converted in place. */
export function optionalBoolean(fields: Fields, key: string): void {
  const value = fields[key];
  if (value === undefined || value === null) return;
  if (value !== true && value !== false && value !== 'true' && value !== 'false') {
    throw new InvalidInput(`${key} must be true or false`);
  }
  fields[key] = value === true || value === 'true';
}

/** A required array of `min`..`max` elements. */
export function requiredArray(
  fields: Fields,
  key: string,
  min: number,
  max: number,
  reason: string,
): unknown[] {
  const value = fields[key];
  if (value === undefined) throw new InvalidInput(`${key} is required`);
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    throw new InvalidInput(`${key} ${reason}`);
  }
  return value as unknown[];
}
