/**
 * This node among the nodes that share one database: its name, and whether it is the one that runs the
 * maintenance jobs (message expiry, reservation and overdue timers, idle queues) now. Every node serves every
 * request and delivers pushes; only maintenance is elected, so that it runs once rather than once per node.
 */
export interface NodeRole {
  /** This node's name (FERRITE_NODE_ID): shown by metrics, the dashboard and the X-Ferrite-Node header. */
  readonly nodeId: string;
  /** Whether this node runs the maintenance jobs now. */
  isLeader(): boolean;
  /** The node that held the maintenance lease when last seen, or null when none did. */
  leader(): string | null;
  /** Gives the role up (a leader hands over at once instead of letting its lease run out). */
  close(): Promise<void>;
}

/** A node alone on its data (SQLite: one server process per file): always the leader. */
export function soleNode(nodeId: string): NodeRole {
  return {
    nodeId,
    isLeader: () => true,
    leader: () => nodeId,
    close: () => Promise.resolve(),
  };
}
