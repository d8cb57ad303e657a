import { randomBytes } from 'node:crypto';
import { InvalidInput } from '../domain/errors';
import type { SqsKey } from '../domain/types';
import type { ProjectDeps } from './projects';

/** SigV4 access keys Ferrite issues for the SQS API (`ferrite sqs-key create`). */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An access key id in AWS's shape (20 upper-case characters), prefixed FKIA so it reads as Ferrite's. */
function newAccessKeyId(): string {
  const bytes = randomBytes(16);
  let id = 'FKIA';
  for (const byte of bytes) id += BASE32[byte & 31];
  return id;
}

export async function createSqsKey(
  deps: ProjectDeps,
  projectId: string,
  name: string,
): Promise<{ accessKeyId: string; secret: string }> {
  if (!(await deps.store.getProject(projectId))) throw new InvalidInput(`No project ${projectId}`);
  const accessKeyId = newAccessKeyId();
  // 30 random bytes: 40 characters, the length of an AWS secret access key.
  const secret = randomBytes(30).toString('base64url');
  await deps.store.addSqsKey({ accessKeyId, projectId, secret, name, createdAt: deps.clock.now() });
  return { accessKeyId, secret };
}

/** A live key by its access key id, or null (unknown or revoked). */
export async function liveSqsKey(
  deps: Pick<ProjectDeps, 'store'>,
  accessKeyId: string,
): Promise<SqsKey | null> {
  if (accessKeyId.length === 0 || accessKeyId.length > 128) return null;
  const key = await deps.store.getSqsKey(accessKeyId);
  return key && key.revokedAt === null ? key : null;
}

export function listSqsKeys(deps: Pick<ProjectDeps, 'store'>, projectId?: string): Promise<SqsKey[]> {
  return deps.store.listSqsKeys(projectId);
}

export function revokeSqsKey(deps: ProjectDeps, accessKeyId: string): Promise<boolean> {
  return deps.store.revokeSqsKey(accessKeyId, deps.clock.now());
}
