import { InvalidInput } from '../domain/errors';
import type { Store } from '../store/store';
import type { Clock } from './clock';

/**
 * Project ids open auth accepts: IronMQ's 24-hex ids and the short made-up ones test suites use (`test`,
 * `4444444444444`). Nothing that needs escaping in a path, a log line or a metric label.
 */
export const OPEN_PROJECT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Projects open auth creates at most: a runaway test loop must not fill the disk with empty projects. */
export const MAX_OPEN_PROJECTS = 10_000;

/** Name of projects created by a request under open auth (shown by `ferrite project list`). */
const OPEN_PROJECT_NAME = 'open-auth';

/** The server setting that records which auth mode a data file was first served with. */
const FIRST_AUTH_MODE = 'auth.first_mode';

/** The data file belongs to a server that checks tokens: open auth would let anyone into its projects. */
export class OpenAuthRefused extends Error {
  constructor() {
    super(
      'FERRITE_AUTH=open refuses this data file: it was first served with token auth, so its projects are ' +
        'protected by tokens that open auth would ignore. Use a new FERRITE_DB_FILE for open auth (it is for ' +
        'tests and CI), or FERRITE_AUTH=token',
    );
    this.name = 'OpenAuthRefused';
  }
}

/**
 * Refuses open auth on a data file first served with token auth. Only open auth records anything: a file that
 * holds projects without a record was born under token auth (its first start created the default project), so
 * a token-auth start writes nothing.
 */
export async function checkAuthMode(store: Store, mode: 'token' | 'open'): Promise<void> {
  if (mode === 'token') return;
  const hasProjects = (await store.listProjects()).length > 0;
  const first = await store.serverSetting(FIRST_AUTH_MODE, hasProjects ? 'token' : 'open');
  if (first !== 'open') throw new OpenAuthRefused();
}

/**
 * Open auth's admission: a well-formed project id is created on its first request, whatever the token. Known
 * ids are kept in memory, so only a project's first request reads (and writes) the store.
 */
export class OpenProjects {
  private readonly known = new Set<string>();
  /** First requests of a project in flight: concurrent ones wait for one creation instead of racing it. */
  private readonly creating = new Map<string, Promise<void>>();
  private count: number | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limit = MAX_OPEN_PROJECTS,
  ) {}

  /** Lets a request for `projectId` through, creating the project if needed; InvalidInput for a bad id. */
  async admit(projectId: string): Promise<void> {
    if (this.known.has(projectId)) return;
    if (!OPEN_PROJECT_ID_PATTERN.test(projectId)) {
      throw new InvalidInput('A project id is 1 to 64 letters, digits, "-" or "_"');
    }
    let pending = this.creating.get(projectId);
    if (!pending) {
      pending = this.ensure(projectId).finally(() => this.creating.delete(projectId));
      this.creating.set(projectId, pending);
    }
    await pending;
  }

  private async ensure(projectId: string): Promise<void> {
    if (await this.store.getProject(projectId)) {
      this.known.add(projectId);
      return;
    }
    this.count ??= (await this.store.listProjects()).length;
    if (this.count >= this.limit) {
      throw new InvalidInput(
        `Open auth creates at most ${this.limit} projects and this server has that many: reuse a project id`,
      );
    }
    try {
      await this.store.createProject({ id: projectId, name: OPEN_PROJECT_NAME, createdAt: this.clock.now() });
      this.count++;
    } catch (error) {
      // Created meanwhile by another process on the same file (the CLI): that is as good.
      if (!(await this.store.getProject(projectId))) throw error;
    }
    this.known.add(projectId);
  }
}
