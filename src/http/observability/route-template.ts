import type { Request } from 'express';

/** The `route` label of requests answered before any route matched: 401s, unknown paths, oversized bodies. */
export const NO_ROUTE = 'none';

const MATCHED = Symbol('ferrite.matchedRoute');
const PARAMS = Symbol('ferrite.matchedParams');

interface Tracked {
  /** The mount prefix (concrete) and the route's own path (a template) when a router picked the route. */
  [MATCHED]?: { baseUrl: string; path: string };
  /** Every path parameter value any router matched for this request (mount points' too), with its name. */
  [PARAMS]?: { name: string; value: string }[];
}

/**
 * Starts recording which route a request matches. Express keeps only the route's own path (`/:name/messages`)
 * and the *concrete* prefix of its mount points (`/3/projects/5e1f…/queues`), and resets both when an error
 * leaves a router, so they are captured at the moment the router assigns them. Call it before any router runs.
 */
export function trackRoute(req: Request): void {
  const tracked = req as Request & Tracked;
  const seen: { name: string; value: string }[] = [];
  tracked[PARAMS] = seen;
  let route: unknown = req.route;
  let params: unknown = req.params;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: unknown) {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (typeof path === 'string') tracked[MATCHED] = { baseUrl: req.baseUrl, path };
    },
  });
  Object.defineProperty(req, 'params', {
    configurable: true,
    enumerable: true,
    get: () => params,
    set(value: unknown) {
      params = value;
      if (typeof value !== 'object' || value === null) return;
      for (const [name, param] of Object.entries(value as Record<string, unknown>)) {
        // Express 5 gives a wildcard (`*rest`) as an array of segments.
        for (const item of Array.isArray(param) ? (param as unknown[]) : [param]) {
          if (typeof item === 'string') seen.push({ name, value: item });
        }
      }
    },
  });
}

/**
 * The matched route as a template (`/3/projects/:projectId/queues/:name/messages`), never the raw URL: in the
 * mount prefix every segment equal to a matched parameter's value becomes `:name`, so no project id, queue
 * name or token can become a label value. NO_ROUTE when no route matched.
 */
export function routeTemplateOf(req: Request): string {
  const tracked = req as Request & Tracked;
  const matched = tracked[MATCHED];
  if (!matched) return NO_ROUTE;
  // The route's own parameters are templated in its path already: a queue named "queues" must not rename a mount.
  const own = new Set([...matched.path.matchAll(/[:*](\w+)/g)].map((match) => match[1]));
  const byValue = new Map<string, string>();
  for (const { name, value } of tracked[PARAMS] ?? []) if (!own.has(name)) byValue.set(value, name);
  const base = matched.baseUrl
    .split('/')
    .map((segment) => {
      const name = segment === '' ? undefined : byValue.get(safeDecode(segment));
      return name === undefined ? segment : `:${name}`;
    })
    .join('/');
  // A router's '/' route under a mount is the mount itself.
  const joined = matched.path === '/' && base !== '' ? base : `${base}${matched.path}`;
  return joined === '' ? '/' : joined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
