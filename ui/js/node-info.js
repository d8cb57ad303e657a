/**
 * Which node answered and which runs maintenance: several Ferrite nodes can share one PostgreSQL database behind
 * a load balancer, so the top bar names the node behind the last answer of `/healthz` (read every 5 s) and the
 * maintenance leader. With one node (SQLite) both are the same server.
 */
const REFRESH_MS = 5000;

export function mountNodeInfo(element) {
  async function refresh() {
    try {
      const response = await fetch('/healthz', { cache: 'no-store', credentials: 'omit' });
      const health = await response.json();
      const leader = health.leader ?? 'none';
      element.textContent = `Node ${health.node} · leader ${leader} · ${health.store}`;
      element.title =
        health.store === 'postgres'
          ? 'The node that answered, the node running expiry and timers, and the shared PostgreSQL backend'
          : 'This server runs alone on its SQLite data file';
      element.hidden = false;
    } catch {
      element.hidden = true;
    }
  }
  void refresh();
  setInterval(refresh, REFRESH_MS);
}
