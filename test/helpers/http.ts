import request from 'supertest';
import type { TestServer } from './server';

/** supertest bound to a server, with the project's OAuth header set. */
export function api(server: TestServer) {
  const auth = `OAuth ${server.token}`;
  const path = (p: string) => `/3/projects/${server.projectId}${p}`;
  const agent = request(server.url);
  return {
    get: (p: string) => agent.get(path(p)).set('Authorization', auth),
    post: (p: string) => agent.post(path(p)).set('Authorization', auth),
    put: (p: string) => agent.put(path(p)).set('Authorization', auth),
    patch: (p: string) => agent.patch(path(p)).set('Authorization', auth),
    delete: (p: string) => agent.delete(path(p)).set('Authorization', auth),
    /** No auth header: for auth tests. */
    raw: agent,
  };
}

/** Encodes a queue name for a path the way the Ruby/PHP/Go clients do (space → %20, '+' kept). */
export function q(name: string): string {
  return encodeURIComponent(name).replace(/%2B/g, '+').replace(/%3A/g, ':').replace(/%3D/g, '=');
}
