import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import { MethodNotAllowed } from '../domain/errors';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Anything Express lets routers be mounted on: the app or a router. */
interface Mountable {
  use(path: string, ...handlers: RequestHandler[]): unknown;
}

/** Where each router is mounted (its parent and the path there), recorded when the routes are put together. */
const mounts = new WeakMap<object, { parent: object; path: string }>();

/** Mounts routers at `path` and remembers where, so their routes know their full template for metrics. */
export function mount(parent: Mountable, path: string, ...routers: Router[]): void {
  for (const router of routers) mounts.set(router, { parent, path });
  parent.use(path, ...(routers as unknown as RequestHandler[]));
}

/** The full path template of a router's mount point (`/3/projects/:projectId/queues`); '' at the root. */
function mountTemplate(router: object): string {
  const mounted = mounts.get(router);
  if (!mounted) return '';
  return mountTemplate(mounted.parent) + (mounted.path === '/' ? '' : mounted.path);
}

const ROUTE = 'routeTemplate';

/**
 * The first handler of every route: records the route's template (`/3/projects/:projectId/queues/:queue`),
 * never the raw URL, so no project id, queue name or token can become a metric label. The template is worked
 * out once, on the route's first request (the app is assembled by then), not per request.
 */
function labelRoute(router: Router, path: string): RequestHandler {
  let template: string | null = null;
  return (_req, res, next) => {
    if (template === null) {
      const base = mountTemplate(router);
      // A router's '/' route under a mount is the mount itself.
      template = path === '/' && base !== '' ? base : `${base}${path}` || '/';
    }
    res.locals[ROUTE] = template;
    next();
  };
}

/** The template of the route that answered, or null when no route was reached (401s, unknown paths …). */
export function routeTemplateOf(res: { locals: Record<string, unknown> }): string | null {
  const template = res.locals[ROUTE];
  return typeof template === 'string' ? template : null;
}

/**
 * Registers the methods a path answers to, each as a list of handlers (validation, then the action), and a
 * 405 with an Allow header for every other method on that path — one route layer per path. `before` runs
 * first for every method, the 405 included.
 */
export function resource(
  router: Router,
  path: string,
  methods: Partial<Record<Method, RequestHandler[]>>,
  before: RequestHandler[] = [],
): void {
  const allowed = Object.keys(methods) as Method[];
  const route = router.route(path);
  route.all(labelRoute(router, path), ...before);
  for (const method of allowed) {
    const handlers = methods[method]!;
    switch (method) {
      case 'GET':
        route.get(...handlers);
        break;
      case 'POST':
        route.post(...handlers);
        break;
      case 'PUT':
        route.put(...handlers);
        break;
      case 'PATCH':
        route.patch(...handlers);
        break;
      case 'DELETE':
        route.delete(...handlers);
        break;
    }
  }
  route.all(() => {
    throw new MethodNotAllowed(allowed);
  });
}

/** One GET route without a 405 for other methods (health, metrics, docs: other methods are simply not found). */
export function getRoute(router: Router, path: string, ...handlers: RequestHandler[]): void {
  router.get(path, labelRoute(router, path), ...handlers);
}

/** One POST route without a 405 for other methods (the SQS endpoints: other methods belong to other routes). */
export function postRoute(
  router: Router,
  path: string,
  ...handlers: (RequestHandler | ErrorRequestHandler)[]
): void {
  router.post(path, labelRoute(router, path), ...handlers);
}
