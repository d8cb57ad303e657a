import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the client finds the server and its credentials. */
export interface ClientSettings {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  token: string;
  projectId: string;
}

/** What each source may set; the names are iron.json's. */
interface SettingSource {
  scheme?: string;
  host?: string;
  port?: string;
  token?: string;
  project_id?: string;
}

/** Ferrite's defaults (the official clients default to Iron's cloud, which a Ferrite user does not want). */
const DEFAULTS = { scheme: 'http', host: 'localhost' } as const;
const DEFAULT_PORT: Record<ClientSettings['scheme'], number> = { http: 8080, https: 443 };

export class SettingsError extends Error {}

/**
 * Resolves the settings the way the official clients (iron_core) do, the first source that sets a value winning:
 * command-line flags, then `IRON_MQ_*` and `IRON_*` environment variables (`IRON_PROTOCOL`, Python's name, is
 * taken for the scheme too), then `iron.json` in the working directory, then `~/.iron.json`. In a file, an
 * `iron_mq` or `iron` object wins over top-level keys.
 */
export function resolveSettings(
  flags: SettingSource,
  env: NodeJS.ProcessEnv,
  cwd: string,
  home: string | undefined,
): ClientSettings {
  const sources: SettingSource[] = [
    flags,
    fromEnv(env, 'IRON_MQ_'),
    fromEnv(env, 'IRON_'),
    ...fromFile(path.join(cwd, 'iron.json')),
    ...(home === undefined ? [] : fromFile(path.join(home, '.iron.json'))),
  ];
  const pick = (key: keyof SettingSource): string | undefined => {
    for (const source of sources) {
      const value = source[key];
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  };

  const scheme = (pick('scheme') ?? DEFAULTS.scheme).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw new SettingsError(`scheme must be http or https, got "${scheme}"`);
  }
  const rawPort = pick('port');
  const port = rawPort === undefined ? DEFAULT_PORT[scheme] : Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SettingsError(`port must be a number from 1 to 65535, got "${rawPort}"`);
  }
  const token = pick('token');
  const projectId = pick('project_id');
  const missing = [
    token === undefined ? 'IRON_TOKEN (or "token" in iron.json, or --token)' : null,
    projectId === undefined ? 'IRON_PROJECT_ID (or "project_id" in iron.json, or --project-id)' : null,
  ].filter((m) => m !== null);
  if (token === undefined || projectId === undefined) {
    throw new SettingsError(`missing ${missing.join(' and ')}`);
  }
  return { scheme, host: pick('host') ?? DEFAULTS.host, port, token, projectId };
}

function fromEnv(env: NodeJS.ProcessEnv, prefix: string): SettingSource {
  return {
    scheme: env[`${prefix}SCHEME`] ?? env[`${prefix}PROTOCOL`],
    host: env[`${prefix}HOST`],
    port: env[`${prefix}PORT`],
    token: env[`${prefix}TOKEN`],
    project_id: env[`${prefix}PROJECT_ID`],
  };
}

/** The sources inside one iron.json, best first; none when the file does not exist. */
function fromFile(file: string): SettingSource[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SettingsError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const root = isObject(json) ? json : {};
  return [root['iron_mq'], root['iron'], root].filter(isObject).map((hash) => {
    const read = (key: string): string | undefined => {
      const value = hash[key];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    };
    return {
      scheme: read('scheme') ?? read('protocol'),
      host: read('host'),
      port: read('port'),
      token: read('token'),
      project_id: read('project_id'),
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The base URL of a project's routes. */
export function projectUrl(settings: ClientSettings): string {
  const host =
    settings.host.includes(':') && !settings.host.startsWith('[') ? `[${settings.host}]` : settings.host;
  return `${settings.scheme}://${host}:${settings.port}/3/projects/${encodeURIComponent(settings.projectId)}`;
}
