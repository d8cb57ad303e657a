import type { Project, TokenInfo } from '../../domain/types';
import type { NewToken } from '../store';
import { row, rows, run, type PgContext } from './context';
import { SQL } from './statements';

/** Projects, their tokens (only sha256 hashes are stored), and server-wide settings. */

interface ProjectRow {
  id: string;
  name: string;
  created_at: number;
}

interface TokenRow {
  id: string;
  project_id: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

function toProject(r: ProjectRow): Project {
  return { id: r.id, name: r.name, createdAt: r.created_at };
}

export async function createProject(ctx: PgContext, project: Project): Promise<void> {
  await run(ctx, SQL.insertProject, [project.id, project.name, project.createdAt]);
}

export async function getProject(ctx: PgContext, id: string): Promise<Project | null> {
  const found = await row<ProjectRow>(ctx, SQL.getProject, [id]);
  return found ? toProject(found) : null;
}

export async function listProjects(ctx: PgContext): Promise<Project[]> {
  return (await rows<ProjectRow>(ctx, SQL.listProjects, [])).map(toProject);
}

export async function addToken(ctx: PgContext, token: NewToken): Promise<void> {
  await run(ctx, SQL.insertToken, [token.id, token.projectId, token.tokenHash, token.name, token.createdAt]);
}

export async function listTokens(ctx: PgContext, projectId?: string): Promise<TokenInfo[]> {
  const found =
    projectId === undefined
      ? await rows<TokenRow>(ctx, SQL.listAllTokens, [])
      : await rows<TokenRow>(ctx, SQL.listProjectTokens, [projectId]);
  return found.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

/** Revokes a token; every node drops its cached token lookups when this commits. */
export async function revokeToken(ctx: PgContext, tokenId: string, now: number): Promise<boolean> {
  const revoked = await rows(ctx, SQL.revokeToken, [now, tokenId]);
  if (revoked.length > 0) ctx.invalidations.add('tokens');
  return revoked.length > 0;
}

export async function projectOfTokenHash(ctx: PgContext, tokenHash: string): Promise<string | null> {
  return (await row<{ project_id: string }>(ctx, SQL.projectOfToken, [tokenHash]))?.project_id ?? null;
}

export async function serverSetting(ctx: PgContext, key: string, value: string): Promise<string> {
  await run(ctx, SQL.putSettingIfAbsent, [key, value]);
  return (await row<{ value: string }>(ctx, SQL.getSetting, [key]))!.value;
}
