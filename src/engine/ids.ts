import { createHash, randomBytes } from 'node:crypto';

/** A project id: 24 lowercase hex chars, the shape of the Mongo ObjectIds IronMQ used (Ruby checks the length). */
export function newProjectId(): string {
  return randomBytes(12).toString('hex');
}

export const PROJECT_ID_PATTERN = /^[0-9a-f]{24}$/;

/** A token: 32 random bytes, base64url. High entropy, so a plain sha256 is a safe one-way hash for it. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The public handle of a token, shown by `ferrite token list` and used to revoke it. */
export function newTokenId(): string {
  return randomBytes(6).toString('hex');
}
