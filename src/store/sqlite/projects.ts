import type { Project, TokenInfo } from '../../domain/types';
import type { NewToken } from '../store';
import type { SqliteContext } from './context';

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

function toProject(row: ProjectRow): Project {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

export function createProject(ctx: SqliteContext, project: Project): void {
  ctx.sql.insertProject.run(project.id, project.name, project.createdAt);
}

export function getProject(ctx: SqliteContext, id: string): Project | null {
  const row = ctx.sql.getProject.get(id) as ProjectRow | undefined;
  return row ? toProject(row) : null;
}

export function listProjects(ctx: SqliteContext): Project[] {
  return (ctx.sql.listProjects.all() as ProjectRow[]).map(toProject);
}

export function addToken(ctx: SqliteContext, token: NewToken): void {
  ctx.sql.insertToken.run(token.id, token.projectId, token.tokenHash, token.name, token.createdAt);
}

export function listTokens(ctx: SqliteContext, projectId?: string): TokenInfo[] {
  const rows = (
    projectId === undefined ? ctx.sql.listAllTokens.all() : ctx.sql.listProjectTokens.all(projectId)
  ) as TokenRow[];
  return rows.map((row) => ({
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }));
}

export function revokeToken(ctx: SqliteContext, tokenId: string, now: number): boolean {
  return ctx.sql.revokeToken.run(now, tokenId).changes > 0;
}

export function projectOfTokenHash(ctx: SqliteContext, tokenHash: string): string | null {
  return (ctx.sql.projectOfToken.get(tokenHash) as string | undefined) ?? null;
}

export function serverSetting(ctx: SqliteContext, key: string, value: string): string {
  ctx.sql.putSettingIfAbsent.run(key, value);
  return ctx.sql.getSetting.get(key) as string;
}
