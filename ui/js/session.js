/** The signed-in project and token, for this browser tab only (sessionStorage: gone when the tab closes). */

const KEY = 'ferrite.dashboard.session';

/** @returns {{ projectId: string, token: string } | null} */
export function loadSession() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (value && typeof value.projectId === 'string' && typeof value.token === 'string') return value;
  } catch {
    // A corrupt entry is the same as none.
  }
  return null;
}

export function saveSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify({ projectId: session.projectId, token: session.token }));
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}
