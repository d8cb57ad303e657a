import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidInput, Unauthorized } from '../domain/errors';
import type { Project, TokenInfo } from '../domain/types';
import type { Store } from '../store/store';
import type { Clock } from './clock';
import { PROJECT_ID_PATTERN, hashToken, newProjectId, newToken, newTokenId } from './ids';

/** What project and token operations need: the CLI runs them without the rest of the engine. */
export interface ProjectDeps {
  store: Store;
  clock: Clock;
}

/** Compares a password without leaking where two strings differ (hashing first makes the lengths equal). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Checks that `token` is a live token of `projectId`. The token is looked up by its sha256 (an index lookup
 * on a hash reveals nothing usable about the token), and the project ids are compared in constant time.
 */
export async function authorize(
  deps: Pick<ProjectDeps, 'store'>,
  projectId: string,
  token: string | undefined,
): Promise<void> {
  if (!token || token.length > 512) throw new Unauthorized();
  const owner = await deps.store.projectOfTokenHash(hashToken(token));
  if (owner === null) throw new Unauthorized();
  const a = Buffer.from(owner);
  const b = Buffer.from(projectId);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new Unauthorized();
}

/** The project of a live token (the CrimsonQ API takes an IronMQ token for its own project). */
export async function projectOfToken(deps: Pick<ProjectDeps, 'store'>, token: string): Promise<string> {
  if (token.length === 0 || token.length > 512) throw new Unauthorized();
  const owner = await deps.store.projectOfTokenHash(hashToken(token));
  if (owner === null) throw new Unauthorized();
  return owner;
}

export interface CreatedProject {
  project: Project;
  token: string;
  tokenId: string;
}

/** Creates a project with one token. `id`/`token` may be given (bootstrap from env), else they are generated. */
export async function createProject(
  deps: ProjectDeps,
  options: { id?: string | undefined; name?: string | undefined; token?: string | undefined } = {},
): Promise<CreatedProject> {
  const id = options.id ?? newProjectId();
  if (!PROJECT_ID_PATTERN.test(id)) throw new InvalidInput('A project id is 24 lowercase hex characters');
  const now = deps.clock.now();
  const project: Project = { id, name: options.name ?? 'default', createdAt: now };
  await deps.store.createProject(project);
  const { token, tokenId } = await createToken(deps, id, 'default', options.token);
  return { project, token, tokenId };
}

export async function createToken(
  deps: ProjectDeps,
  projectId: string,
  name: string,
  given?: string,
): Promise<{ token: string; tokenId: string }> {
  if (!(await deps.store.getProject(projectId))) throw new InvalidInput(`No project ${projectId}`);
  if (given !== undefined && (given.length < 16 || given.length > 512 || /\s/.test(given))) {
    throw new InvalidInput('A token must be 16 to 512 characters without white space');
  }
  const token = given ?? newToken();
  const tokenId = newTokenId();
  await deps.store.addToken({
    id: tokenId,
    projectId,
    tokenHash: hashToken(token),
    name,
    createdAt: deps.clock.now(),
  });
  return { token, tokenId };
}

export function listProjects(deps: Pick<ProjectDeps, 'store'>): Promise<Project[]> {
  return deps.store.listProjects();
}

export async function projectExists(deps: Pick<ProjectDeps, 'store'>, id: string): Promise<boolean> {
  return (await deps.store.getProject(id)) !== null;
}

export function listTokens(deps: Pick<ProjectDeps, 'store'>, projectId?: string): Promise<TokenInfo[]> {
  return deps.store.listTokens(projectId);
}

export function revokeToken(deps: ProjectDeps, tokenId: string): Promise<boolean> {
  return deps.store.revokeToken(tokenId, deps.clock.now());
}

/**
 * First start: when the store has no project, creates the default one (from FERRITE_PROJECT_ID/FERRITE_TOKEN
 * when set). Returns what it created, or null when projects already exist.
 */
export async function bootstrapDefaultProject(
  deps: ProjectDeps,
  given: { projectId?: string | undefined; token?: string | undefined },
): Promise<CreatedProject | null> {
  if ((await deps.store.listProjects()).length > 0) return null;
  return createProject(deps, { id: given.projectId, token: given.token, name: 'default' });
}

/** A server-wide value kept in the store: `generate()`'s value on the first start, the stored one after. */
export function serverSecret(
  deps: Pick<ProjectDeps, 'store'>,
  key: string,
  generate: () => string,
): Promise<string> {
  return deps.store.serverSetting(key, generate());
}
