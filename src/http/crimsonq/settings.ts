import { randomBytes } from 'node:crypto';
import { SETTINGS, type Config } from '../../config/config';
import type { EngineDeps } from '../../engine/deps';
import { listProjects, projectExists, serverSecret } from '../../engine/projects';
import type { Subscriptions } from '../../engine/subscriptions';
import type { Logger } from '../../log';
import type { CrimsonqAuthSettings } from './auth';

export interface CrimsonqOptions extends CrimsonqAuthSettings {
  /** The subscribe channel (SSE and WebSocket streams); shutdown ends them. */
  subscriptions: Subscriptions;
}

/** Where the generated JWT secret is kept in the data file, so tokens survive a restart. */
const SECRET_KEY = 'crimsonq.jwt_secret';

/**
 * Resolves the CrimsonQ API's settings at start: the JWT secret (FERRITE_JWT_SECRET, else 32 random bytes
 * generated on the first start and kept in the data file — never a constant, unlike CrimsonQ's "crimsonQ"),
 * and the project of tokens without a project claim (FERRITE_CRIMSONQ_PROJECT_ID, else the first project).
 */
export async function resolveCrimsonq(
  config: Config,
  deps: EngineDeps,
  subscriptions: Subscriptions,
  log: Logger,
): Promise<CrimsonqOptions> {
  const jwtSecret =
    config.jwtSecret ?? (await serverSecret(deps, SECRET_KEY, () => randomBytes(32).toString('base64url')));
  const defaultProjectId = config.crimsonqProjectId ?? (await listProjects(deps))[0]?.id ?? null;
  if (config.crimsonqProjectId !== undefined && !(await projectExists(deps, config.crimsonqProjectId))) {
    log.warn(
      'FERRITE_CRIMSONQ_PROJECT_ID names no project: CrimsonQ logins will be refused until it exists',
      {
        projectId: config.crimsonqProjectId,
      },
    );
  }
  if (config.crimsonqPassword === SETTINGS.crimsonqPassword.default) {
    log.warn(
      'The CrimsonQ API (POST /login) accepts the default password: set CRIMSONQ_HTTP_USER and CRIMSONQ_HTTP_PASS',
    );
  }
  return {
    user: config.crimsonqUser,
    password: config.crimsonqPassword,
    jwtSecret,
    defaultProjectId,
    subscriptions,
  };
}
