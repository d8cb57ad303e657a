import { TopicIndex } from '../../domain/topics';
import type { Statements } from './statements';

interface ProjectRoutes {
  version: number;
  index: TopicIndex<number>;
}

/**
 * Topic routing read from the database: each project's index is a cache validated on every publish against the
 * project's `topics_version`, which every change of a queue's filters (or a queue's deletion) increases in the
 * same transaction. A change made by any process (another server, the CLI) is therefore seen by the next
 * publish; matching itself is the domain's trie (src/domain/topics.ts).
 */
export class TopicRoutes {
  private readonly projects = new Map<string, ProjectRoutes>();

  constructor(private readonly sql: Statements) {}

  /** Row ids of the project's queues with a filter matching `topic`, one entry per queue. */
  match(projectId: string, topic: string): number[] {
    const version = (this.sql.topicsVersion.get(projectId) as number | undefined) ?? 0;
    let routes = this.projects.get(projectId);
    if (!routes || routes.version !== version) {
      routes = { version, index: this.build(projectId) };
      this.projects.set(projectId, routes);
    }
    return [...routes.index.match(projectId, topic)];
  }

  private build(projectId: string): TopicIndex<number> {
    const filters = new Map<number, string[]>();
    for (const row of this.sql.projectTopics.all(projectId) as { queue_id: number; filter: string }[]) {
      const list = filters.get(row.queue_id) ?? [];
      list.push(row.filter);
      filters.set(row.queue_id, list);
    }
    const index = new TopicIndex<number>();
    for (const [queueId, list] of filters) index.set(projectId, queueId, list);
    return index;
  }
}
