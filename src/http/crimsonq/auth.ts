import type { RequestHandler, Response } from 'express';
import { sign, verify } from 'jsonwebtoken';
import type { EngineDeps } from '../../engine/deps';
import { InvalidInput, Unauthorized } from '../../domain/errors';
import { projectExists, projectOfToken, sameSecret } from '../../engine/projects';
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

/** Who a CrimsonQ request is: its project, or the refusal to answer (status and text). */
export type CrimsonqAuth = { projectId: string } | { status: number; text: string };

/**
 * Authenticates a CrimsonQ request from its `Authorization` header and `?oauth=`: a login token
 * (`Bearer <jwt>`) with jwtware's answers (400 `Missing or malformed JWT`, 401 `Invalid or expired JWT`), or an
 * IronMQ token (`OAuth <token>` or `?oauth=`) for its project (401 `Unauthorized` when unknown).
 */
export async function authenticateCrimsonq(
  deps: EngineDeps,
  settings: CrimsonqAuthSettings,
  authorization: string | undefined,
  oauthQuery: unknown,
): Promise<CrimsonqAuth> {
  const header = authorization ?? '';
  const bearer = BEARER.exec(header);
  if (bearer) {
    const projectId = await projectOfJwt(deps, settings, bearer[1]!.trim());
    return projectId === null ? { status: 401, text: CQ_HTTP.invalidJwt } : { projectId };
  }
  const token =
    OAUTH.exec(header)?.[1] ?? (typeof oauthQuery === 'string' && oauthQuery !== '' ? oauthQuery : undefined);
  if (token === undefined) return { status: 400, text: CQ_HTTP.missingJwt };
  try {
    return { projectId: await projectOfToken(deps, token) };
  } catch (error) {
    if (error instanceof Unauthorized) return { status: 401, text: CQ_HTTP.unauthorized };
    throw error;
  }
}

/** Guards /api (authenticateCrimsonq); the project is then `projectOf(res)`. */
export function requireCrimsonqAuth(deps: EngineDeps, settings: CrimsonqAuthSettings): RequestHandler {
  return async (req, res, next) => {
    const auth = await authenticateCrimsonq(deps, settings, req.headers.authorization, req.query.oauth);
    if ('status' in auth) {
      sendText(res, auth.status, auth.text);
      return;
    }
    res.locals.crimsonqProject = auth.projectId;
    next();
  };
}
