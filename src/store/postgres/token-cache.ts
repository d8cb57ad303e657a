/**
 * How long a token lookup is trusted without asking the database: how late a revocation made on another node
 * takes effect here when the notification channel is down (or in poll mode). The documented bound is 1 s; an
 * entry lives from when its lookup answered, so 100 ms of it are left for the lookup that read it. With the
 * channel up, a revocation clears every node's cache as soon as it commits.
 */
export const TOKEN_CACHE_MS = 900;
const MAX_ENTRIES = 10_000;

/**
 * Live tokens' projects, by token hash, so an authenticated request does not pay a round trip for its token.
 * Only hits are kept (an unknown token is asked again). `epoch` guards a lookup that raced an invalidation: its
 * answer, read before the revocation committed, is not cached after it.
 */
export class TokenCache {
  private readonly entries = new Map<string, { projectId: string; until: number }>();
  epoch = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  get(tokenHash: string): string | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.projectId;
  }

  set(tokenHash: string, projectId: string, epoch: number): void {
    if (epoch !== this.epoch) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(tokenHash, { projectId, until: this.now() + TOKEN_CACHE_MS });
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
  }
}
