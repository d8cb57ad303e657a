import { performance } from 'node:perf_hooks';
import { killAll, spawnServer, type ServerProcess } from './process';
import { createTestDatabase, type TestDatabase } from './postgres';
import { PROJECT_ID, TOKEN } from './server';

/**
 * Several real Ferrite processes (dist/main.js) on one PostgreSQL database, each on 127.0.0.1 and a free port:
 * what a load balancer spreads requests over. Each node is named node-<i> (FERRITE_NODE_ID).
 */
export interface Cluster {
  readonly nodes: (ServerProcess | null)[];
  /** The node's base URL (throws when it was killed). */
  url(i: number): string;
  /** A client of node `i`. */
  client(i: number): NodeClient;
  /** Indexes of the nodes still running. */
  alive(): number[];
  /** kill -9 a node; resolves when it has exited. */
  kill(i: number): Promise<void>;
  /** Starts node `i` again (after a kill). */
  start(i: number): Promise<void>;
  /** Kills every node and drops the database. */
  destroy(): Promise<void>;
}

export async function startCluster(
  count: number,
  options: {
    env?: Record<string, string>;
    databaseUrl?: string;
    perNode?: (i: number) => Record<string, string>;
  } = {},
): Promise<Cluster> {
  const db: TestDatabase | null = options.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? db!.url;
  const nodes: (ServerProcess | null)[] = Array.from({ length: count }, () => null);
  const envOf = (i: number) => ({
    FERRITE_DATABASE_URL: databaseUrl,
    FERRITE_NODE_ID: `node-${i}`,
    FERRITE_PROJECT_ID: PROJECT_ID,
    FERRITE_TOKEN: TOKEN,
    FERRITE_DATABASE_CONNECT_TIMEOUT_MS: '5000',
    FERRITE_SHUTDOWN_GRACE_MS: '1000',
    ...options.env,
    ...options.perNode?.(i),
  });
  const start = async (i: number) => {
    nodes[i] = await spawnServer(envOf(i));
  };
  // The first node creates the schema's data (the default project); the others start together after it.
  await start(0);
  await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1)));
  const cluster: Cluster = {
    nodes,
    url(i) {
      const node = nodes[i];
      if (!node) throw new Error(`node ${i} is not running`);
      return node.url;
    },
    client(i) {
      return new NodeClient(cluster.url(i));
    },
    alive() {
      return nodes.flatMap((node, i) => (node ? [i] : []));
    },
    async kill(i) {
      const node = nodes[i];
      if (!node) return;
      nodes[i] = null;
      node.child.kill('SIGKILL');
      await node.exited;
    },
    start,
    async destroy() {
      killAll();
      await db?.drop();
    },
  };
  return cluster;
}

export interface WireMessage {
  id: string;
  body: string;
  reservation_id: string;
  reserved_count: number;
}

/** A tiny IronMQ client of one node (fetch, keep-alive), answering the status and parsed body. */
export class NodeClient {
  constructor(readonly url: string) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown>; node: string | null }> {
    const res = await fetch(`${this.url}/3/projects/${PROJECT_ID}${path}`, {
      method,
      headers: { Authorization: `OAuth ${TOKEN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed, node: res.headers.get('x-ferrite-node') };
  }

  async post(queue: string, bodies: string[]): Promise<string[]> {
    const res = await this.call('POST', `/queues/${queue}/messages`, {
      messages: bodies.map((body) => ({ body })),
    });
    if (res.status !== 201) throw new Error(`post answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.ids as string[];
  }

  async reserve(
    queue: string,
    n: number,
    options: { timeout?: number; wait?: number } = {},
  ): Promise<WireMessage[]> {
    const res = await this.call('POST', `/queues/${queue}/reservations`, { n, ...options });
    if (res.status !== 200) throw new Error(`reserve answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.messages as WireMessage[];
  }

  async remove(queue: string, id: string, reservationId: string | null): Promise<number> {
    const res = await this.call('DELETE', `/queues/${queue}/messages/${id}`, {
      reservation_id: reservationId ?? undefined,
    });
    return res.status;
  }

  async health(): Promise<{ node: string; leader: string | null; store: string }> {
    const res = await fetch(`${this.url}/healthz`);
    return (await res.json()) as { node: string; leader: string | null; store: string };
  }
}

/** Percentile of a sorted list (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const started = performance.now();
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {
      // not yet: a node or the database may be down
    }
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
