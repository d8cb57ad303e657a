import { createApi } from './api.js';
import { notify } from './dom.js';
import { mountNodeInfo } from './node-info.js';
import { currentRoute, links, navigate } from './router.js';
import { clearSession, loadSession, saveSession } from './session.js';
import { mountConsumerPage, mountConsumersPage } from './views/consumers.js';
import { mountQueueList } from './views/queue-list.js';
import { mountQueuePage } from './views/queue-page.js';
import { mountSignIn } from './views/sign-in.js';

const app = document.getElementById('app');
const sessionInfo = document.getElementById('session-info');
const topnav = document.getElementById('topnav');
const sessionProject = document.getElementById('session-project');
const banner = document.getElementById('connection-banner');

/** The mounted view's clean-up (stops its polling). */
let unmount = () => {};

/**
 * Failures every view handles the same way: a refused token signs out; an unreachable server shows a banner
 * until a later request gets through. Anything else is the view's to show; `handled` tells it which.
 */
const connection = {
  ok() {
    banner.hidden = true;
  },
  /** @returns {boolean} true when the error was handled here */
  failed(error) {
    if (error?.status === 401) {
      signOut('The server refused the token (401). Sign in again.');
      return true;
    }
    if (error?.status === 0 || error?.status >= 500) {
      banner.textContent =
        error.status === 0
          ? 'Cannot reach the Ferrite server. Retrying every 2 seconds…'
          : `The server answered ${error.status}: ${error.message}. Retrying every 2 seconds…`;
      banner.hidden = false;
      return error.status === 0;
    }
    return false;
  },
};

function signOut(message) {
  clearSession();
  render(message);
}

function render(signInMessage) {
  unmount();
  unmount = () => {};
  banner.hidden = true;
  const session = loadSession();
  sessionInfo.hidden = !session;
  topnav.hidden = !session;
  if (!session) {
    document.title = 'Sign in · Ferrite';
    unmount = mountSignIn(app, {
      message: signInMessage,
      createApi,
      onSignedIn(credentials) {
        saveSession(credentials);
        if (currentRoute().view !== 'queues') navigate(links.queues());
        else render();
      },
    });
    return;
  }
  sessionProject.textContent = session.projectId;
  const context = { api: createApi(session), connection, notify, navigate };
  const route = currentRoute();
  const section = route.view === 'consumers' || route.view === 'consumer' ? 'consumers' : 'queues';
  for (const link of topnav.querySelectorAll('a')) {
    if (link.id === `nav-${section}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (route.view === 'consumers') {
    document.title = 'Consumers · Ferrite';
    unmount = mountConsumersPage(app, context);
  } else if (route.view === 'consumer') {
    document.title = `${route.id} · Consumers · Ferrite`;
    unmount = mountConsumerPage(app, context, route.id);
  } else if (route.view === 'queue') {
    document.title = `${route.name} · Ferrite`;
    unmount = mountQueuePage(app, context, route.name);
  } else {
    document.title = 'Queues · Ferrite';
    unmount = mountQueueList(app, context);
  }
}

document.getElementById('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => render());
mountNodeInfo(document.getElementById('node-info'));
render();
