import { TopicIndex } from '../../domain/topics';
import { row, rows, type Queryable } from './sql';
import { SQL } from './statements';

interface ProjectRoutes {
  version: number;
  index: TopicIndex<number>;
}

/**
 * Topic routing read from the database: each project's index is a cache validated on every publish, inside the
 * publishing transaction, against the project's `topics_version`, which every change of a queue's filters (or a
 * queue's deletion) increases. A change made on any node is therefore seen by the next publish on every node;
 * the invalidation every node receives over the notification channel only frees the stale index early.
 */
export class TopicRoutes {
  private readonly projects = new Map<string, ProjectRoutes>();

  /** Row ids of the project's queues with a filter matching `topic`, one entry per queue. */
  async match(ctx: { db: Queryable }, projectId: string, topic: string): Promise<number[]> {
    const version =
      (await row<{ topics_version: number }>(ctx, SQL.topicsVersion, [projectId]))?.topics_version ?? 0;
    let routes = this.projects.get(projectId);
    if (!routes || routes.version !== version) {
      routes = { version, index: await this.build(ctx, projectId) };
      this.projects.set(projectId, routes);
    }
    return [...routes.index.match(projectId, topic)];
  }

  /** Drops a project's cached index (another node changed its routes). */
  forget(projectId?: string): void {
    if (projectId === undefined) this.projects.clear();
    else this.projects.delete(projectId);
  }

  private async build(ctx: { db: Queryable }, projectId: string): Promise<TopicIndex<number>> {
    const filters = new Map<number, string[]>();
    for (const each of await rows<{ queue_id: number; filter: string }>(ctx, SQL.projectTopics, [
      projectId,
    ])) {
      const list = filters.get(each.queue_id) ?? [];
      list.push(each.filter);
      filters.set(each.queue_id, list);
    }
    const index = new TopicIndex<number>();
    for (const [queueId, list] of filters) index.set(projectId, queueId, list);
    return index;
  }
}
