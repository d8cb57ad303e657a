import request from 'supertest';
import { startServer, type TestServer } from './server';

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

/** Names no other test of the file uses: `fresh('q')` → q-1, q-2 … */
export function uniqueNames(): (name: string) => string {
  let seq = 0;
  return (name) => `${name}-${++seq}`;
}

/**
 * One real server for the whole test file, started before its tests and destroyed after them. Read `server` and
 * `http` inside tests (they are set by beforeAll).
 */
export function serverForFile(options: Parameters<typeof startServer>[0] = {}): {
  server: TestServer;
  http: ReturnType<typeof api>;
} {
  const context = {} as { server: TestServer; http: ReturnType<typeof api> };
  beforeAll(async () => {
    context.server = await startServer(options);
    context.http = api(context.server);
  });
  afterAll(() => context.server.destroy());
  return context;
}
