import request from 'supertest';
import { startServer, type TestServer } from '../helpers/server';

/** Test helpers for the CrimsonQ API: a server with known credentials and secret, and an authenticated agent. */

export const CQ_USER = 'admin';
export const CQ_PASS = 'password';
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';
export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json';

export async function startCq(env: Record<string, string> = {}): Promise<TestServer> {
  return startServer({
    env: { CRIMSONQ_HTTP_USER: CQ_USER, CRIMSONQ_HTTP_PASS: CQ_PASS, FERRITE_JWT_SECRET: JWT_SECRET, ...env },
  });
}

export async function login(server: TestServer): Promise<string> {
  const res = await request(server.url).post('/login').send({ Username: CQ_USER, Password: CQ_PASS });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return (res.body as { token: string }).token;
}

/** supertest with `Authorization: Bearer <token>`; POST bodies are JSON unless the test sets another type. */
export function cq(server: TestServer, token: string) {
  const agent = request(server.url);
  const auth = `Bearer ${token}`;
  return {
    get: (path: string) => agent.get(path).set('Authorization', auth),
    post: (path: string, body?: object) => {
      const req = agent.post(path).set('Authorization', auth);
      return body === undefined ? req : req.send(body);
    },
    raw: agent,
  };
}

/** What a response is, on the wire: status, exact Content-Type and exact body bytes. */
export function wire(res: request.Response): [number, string | undefined, string] {
  return [res.status, res.headers['content-type'], res.text];
}
