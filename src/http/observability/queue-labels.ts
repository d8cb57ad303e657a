/** Label value of the series that aggregates every queue beyond the limit. */
export const OTHER = '_other';

/** Default of how many queues get their own series (see QueueLabels). */
export const DEFAULT_QUEUE_LABEL_LIMIT = 100;

export interface QueueLabelValues {
  project: string;
  queue: string;
}

const OTHER_LABELS: QueueLabelValues = Object.freeze({ project: OTHER, queue: OTHER });

/**
 * Bounds the label values of per-queue metrics. Prometheus keeps every series it has seen, so one series per
 * queue would grow without limit on a server with many (or generated) queue names. The first `limit` queues this
 * process sees traffic on (or every queue, while they all fit) get `{project, queue}` labels of their own; later
 * ones are counted together under `{project="_other", queue="_other"}`. A queue keeps its slot until the process
 * restarts.
 */
export class QueueLabels {
  private readonly admitted = new Set<string>();

  constructor(readonly limit: number = DEFAULT_QUEUE_LABEL_LIMIT) {}

  /** The labels of a queue with traffic, giving it a slot if one is free. */
  admit(projectId: string, queue: string): QueueLabelValues {
    const key = queueKey(projectId, queue);
    if (!this.admitted.has(key)) {
      if (this.admitted.size >= this.limit) return OTHER_LABELS;
      this.admitted.add(key);
    }
    return { project: projectId, queue };
  }

  /**
   * The labels of each queue a scrape listed. When every queue fits in the limit, all get a slot (so a small
   * server shows every queue, dead-letter queues included); otherwise the listing, which is in name order, must
   * not take the slots that queues with traffic should get, and unlisted queues share `_other`.
   */
  labelsOfListed(queues: readonly { projectId: string; name: string }[]): QueueLabelValues[] {
    const unseen = queues.filter((q) => !this.admitted.has(queueKey(q.projectId, q.name))).length;
    const fits = this.admitted.size + unseen <= this.limit;
    return queues.map((q) => (fits ? this.admit(q.projectId, q.name) : this.labelsOf(q.projectId, q.name)));
  }

  private labelsOf(projectId: string, queue: string): QueueLabelValues {
    return this.admitted.has(queueKey(projectId, queue)) ? { project: projectId, queue } : OTHER_LABELS;
  }

  get size(): number {
    return this.admitted.size;
  }
}

function queueKey(projectId: string, name: string): string {
  return `${projectId}\u0000${name}`;
}
