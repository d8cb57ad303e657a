import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { sign, verify } from 'jsonwebtoken';
import type { EngineDeps } from '../../engine/deps';
import { InvalidInput, Unauthorized } from '../../domain/errors';
import { projectExists, projectOfToken } from '../../engine/projects';
import { readFields, textField, type Fields } from './body';
import { sendCqJson, sendText } from './respond';
import { CQ_HTTP, TOKEN_HOURS } from './wire';

/** What login and the /api guard need: the credentials, the signing secret and the default project. */
export interface CrimsonqAuthSettings {
  user: string;
  password: string;
  /** HS256 secret of login tokens (FERRITE_JWT_SECRET, or generated and kept in the data file). */
  jwtSecret: string;
  /** Project of tokens without a project_id claim; null when there is none. */
  defaultProjectId: string | null;
}

const missing = (fields: Fields, name: string): boolean => {
  const value = fields.get(name.toLowerCase());
  return value === undefined || value === null;
};

/** Compares without leaking where two strings differ (hashing first makes the lengths equal). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * POST /login (spec crimsonq §2.2): `Username`/`Password` in a JSON, urlencoded or multipart body, any case;
 * a body without them is `008: incorrect_args`, as an unparseable one. An Authorization header is ignored. Answers `{"token": <HS256 JWT>}` valid 72 h, with CrimsonQ's claims
 * `name`, `admin`, `exp` plus `project_id`; wrong credentials are a 401 `Unauthorized`.
 */
export function login(deps: EngineDeps, settings: CrimsonqAuthSettings): RequestHandler {
  return async (req, res) => {
    const fields = await readFields(req);
    // A body without the fields (`{}`, another form) is a malformed request, not a wrong credential.
    if (missing(fields, 'Username') || missing(fields, 'Password')) {
      throw new InvalidInput('Username and Password are required');
    }
    const user = textField(fields, 'Username');
    const password = textField(fields, 'Password');
    // Both compared, always: the time taken does not say which one was wrong.
    const userOk = sameSecret(user, settings.user);
    const passwordOk = sameSecret(password, settings.password);
    if (!userOk || !passwordOk) throw new Unauthorized();
    const now = Math.floor(deps.clock.now() / 1000);
    const claims: Record<string, unknown> = { name: user, admin: true, exp: now + TOKEN_HOURS * 3600 };
    if (settings.defaultProjectId !== null) claims.project_id = settings.defaultProjectId;
    const token = sign(claims, settings.jwtSecret, { algorithm: 'HS256', noTimestamp: true });
    sendCqJson(res, { token });
  };
}

const BEARER = /^Bearer\s+(\S.*)$/i;
const OAUTH = /^OAuth\s+(\S+)\s*$/i;

/** The project of a verified login token, or null when the token is bad, expired or names no live project. */
async function projectOfJwt(
  deps: EngineDeps,
  settings: CrimsonqAuthSettings,
  token: string,
): Promise<string | null> {
  let claims: unknown;
  try {
    claims = verify(token, settings.jwtSecret, {
      algorithms: ['HS256'],
      clockTimestamp: Math.floor(deps.clock.now() / 1000),
    });
  } catch {
    return null;
  }
  if (typeof claims !== 'object' || claims === null) return null;
  const claimed = (claims as { project_id?: unknown }).project_id;
  if (claimed !== undefined && typeof claimed !== 'string') return null;
  const projectId = claimed ?? settings.defaultProjectId;
  if (projectId === null || !(await projectExists(deps, projectId))) return null;
  return projectId;
}

/** The project a request under /api was authorized for. */
export function projectOf(res: Response): string {
  return res.locals.crimsonqProject as string;
}

/**
 * Guards /api: `Authorization: Bearer <login token>` with jwtware's answers (400 `Missing or malformed JWT`,
 * 401 `Invalid or expired JWT`), or an IronMQ token (`Authorization: OAuth …` or `?oauth=`) for its project.
 */
export function requireCrimsonqAuth(deps: EngineDeps, settings: CrimsonqAuthSettings): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const bearer = BEARER.exec(header);
    if (bearer) {
      const projectId = await projectOfJwt(deps, settings, bearer[1]!.trim());
      if (projectId === null) {
        sendText(res, 401, CQ_HTTP.invalidJwt);
        return;
      }
      res.locals.crimsonqProject = projectId;
      next();
      return;
    }
    const query = req.query.oauth;
    const token = OAUTH.exec(header)?.[1] ?? (typeof query === 'string' && query !== '' ? query : undefined);
    if (token === undefined) {
      sendText(res, 400, CQ_HTTP.missingJwt);
      return;
    }
    res.locals.crimsonqProject = await projectOfToken(deps, token);
    next();
  };
}
