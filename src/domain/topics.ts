import { InvalidInput } from './errors';

/**
 * MQTT-style topic routing, wildcards on the subscriber side only (CrimsonQ's MQTTMatch, spec crimsonq §1.2):
 * levels split on '/', '+' matches exactly one level, '#' matches the rest including zero levels ("a/#" matches
 * "a"), a leading '/' makes an empty first level, and a leading "$share/<group>/" on a filter is ignored.
 * The published topic is literal: '+' and '#' in it are ordinary characters.
 */

export const TOPIC_LIMITS = { maxFilters: 64, maxLength: 512 } as const;

/** Splits a comma-separated filter list: trimmed, empty entries dropped, duplicates removed (spec §6.2). */
export function parseFilters(list: string): string[] {
  return normalizeFilters(list.split(','));
}

export function normalizeFilters(filters: string[]): string[] {
  const cleaned = [...new Set(filters.map((f) => f.trim()).filter((f) => f !== ''))];
  if (cleaned.length > TOPIC_LIMITS.maxFilters) {
    throw new InvalidInput(`A queue subscribes to at most ${TOPIC_LIMITS.maxFilters} topic filters`);
  }
  for (const filter of cleaned) {
    if (filter.length > TOPIC_LIMITS.maxLength) throw new InvalidInput('A topic filter is too long');
  }
  return cleaned;
}

function stripShare(filter: string): string {
  const match = /^\$share\/[^/]*\/(.*)$/.exec(filter);
  return match ? match[1]! : filter;
}

/** Whether `filter` matches the published `topic` (the reference semantics the trie implements). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = stripShare(filter);
  if (f === topic) return true;
  const fl = f.split('/');
  const tl = topic.split('/');
  for (let i = 0; i < fl.length; i++) {
    if (fl[i] === '#') return true;
    if (i >= tl.length) return false;
    if (fl[i] !== '+' && fl[i] !== tl[i]) return false;
  }
  return fl.length === tl.length;
}

interface Node<K> {
  children: Map<string, Node<K>>;
  /** Queues whose filter ends here. */
  here: Set<K>;
  /** Queues whose filter has '#' at this level (matching this level and everything below, or nothing). */
  rest: Set<K>;
}

const node = <K>(): Node<K> => ({ children: new Map(), here: new Set(), rest: new Set() });

/**
 * An index of every queue's filters: a publish walks the topic's levels (following literal and '+' children),
 * so matching costs the depth of the topic, not the number of queues. Keys are opaque queue ids.
 */
export class TopicIndex<K = string | number> {
  private readonly roots = new Map<string, Node<K>>();
  private readonly filtersOf = new Map<K, { scope: string; filters: string[] }>();

  /** Sets the filters of a queue in a scope (a project), replacing the previous ones. */
  set(scope: string, queueId: K, filters: string[]): void {
    this.remove(queueId);
    if (filters.length === 0) return;
    this.filtersOf.set(queueId, { scope, filters });
    let root = this.roots.get(scope);
    if (!root) this.roots.set(scope, (root = node<K>()));
    for (const filter of filters) {
      let at = root;
      let ended = false;
      for (const level of stripShare(filter).split('/')) {
        if (level === '#') {
          at.rest.add(queueId);
          ended = true;
          break;
        }
        let next = at.children.get(level);
        if (!next) at.children.set(level, (next = node<K>()));
        at = next;
      }
      if (!ended) at.here.add(queueId);
    }
  }

  remove(queueId: K): void {
    const entry = this.filtersOf.get(queueId);
    if (!entry) return;
    this.filtersOf.delete(queueId);
    const root = this.roots.get(entry.scope);
    if (!root) return;
    const purge = (at: Node<K>) => {
      at.here.delete(queueId);
      at.rest.delete(queueId);
      for (const [key, child] of at.children) {
        purge(child);
        if (child.here.size === 0 && child.rest.size === 0 && child.children.size === 0)
          at.children.delete(key);
      }
    };
    purge(root);
  }

  filters(queueId: K): string[] {
    return this.filtersOf.get(queueId)?.filters ?? [];
  }

  /** Every queue of the scope with at least one filter matching `topic`: one entry per queue. */
  match(scope: string, topic: string): Set<K> {
    const found = new Set<K>();
    const root = this.roots.get(scope);
    if (!root) return found;
    const levels = topic.split('/');
    const walk = (at: Node<K>, depth: number) => {
      for (const id of at.rest) found.add(id);
      if (depth === levels.length) {
        for (const id of at.here) found.add(id);
        return;
      }
      const literal = at.children.get(levels[depth]!);
      if (literal) walk(literal, depth + 1);
      const plus = at.children.get('+');
      if (plus && plus !== literal) walk(plus, depth + 1);
    };
    walk(root, 0);
    return found;
  }
}
