import type { RequestHandler } from 'express';

const OVERRIDABLE = new Set(['DELETE', 'PATCH', 'PUT', 'GET']);

/**
 * The Java client sends DELETE and PATCH as POST with `X-HTTP-Method-Override` (HttpURLConnection cannot
 * PATCH). Only POST may be overridden, and only to a method a route knows.
 */
export const methodOverride: RequestHandler = (req, _res, next) => {
  const header = req.headers['x-http-method-override'];
  if (req.method === 'POST' && typeof header === 'string') {
    const method = header.trim().toUpperCase();
    if (OVERRIDABLE.has(method)) req.method = method;
  }
  next();
};
