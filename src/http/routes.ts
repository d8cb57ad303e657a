import type { RequestHandler, Router } from 'express';
import { MethodNotAllowed } from '../domain/errors';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Registers the methods a path answers to, each as a list of handlers (validation, then the action), and a
 * 405 with an Allow header for every other method on that path.
 */
export function resource(
  router: Router,
  path: string,
  methods: Partial<Record<Method, RequestHandler[]>>,
): void {
  const allowed = Object.keys(methods) as Method[];
  for (const method of allowed) {
    const handlers = methods[method]!;
    switch (method) {
      case 'GET':
        router.get(path, ...handlers);
        break;
      case 'POST':
        router.post(path, ...handlers);
        break;
      case 'PUT':
        router.put(path, ...handlers);
        break;
      case 'PATCH':
        router.patch(path, ...handlers);
        break;
      case 'DELETE':
        router.delete(path, ...handlers);
        break;
    }
  }
  router.all(path, () => {
    throw new MethodNotAllowed(allowed);
  });
}
