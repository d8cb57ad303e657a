import type { Request, RequestHandler } from 'express';
import type { OpenProjects } from '../../engine/open-auth';
import { authorize } from '../../engine/projects';
import type { EngineDeps } from '../../engine/deps';

const AUTH_HEADER = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i;

/** The token, from `Authorization: OAuth …`, then `?oauth=`, then `"oauth"` in a JSON body (the PHP client). */
export function tokenOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? AUTH_HEADER.exec(header) : null;
  if (match) return match[1];
  const query = req.query.oauth;
  if (typeof query === 'string' && query !== '') return query;
  const body: unknown = req.body;
  if (typeof body === 'object' && body !== null && 'oauth' in body) {
    const value = body.oauth;
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** Lets a request through only with a live token of the project named in the path. */
export function requireProjectToken(deps: EngineDeps): RequestHandler {
  return async (req, _res, next) => {
    await authorize(deps, String(req.params.projectId), tokenOf(req));
    next();
  };
}

/**
 * Open auth (FERRITE_AUTH=open): any token, or none, is accepted, and a well-formed project id is created on its
 * first request, as `iron/mq:lite` did. For test servers only; config and start-up refuse it elsewhere.
 */
export function openProjectAccess(projects: OpenProjects): RequestHandler {
  return async (req, _res, next) => {
    await projects.admit(String(req.params.projectId));
    next();
  };
}
