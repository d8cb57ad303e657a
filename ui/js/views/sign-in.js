import { ApiError } from '../api.js';
import { h, replace } from '../dom.js';

function describe(error) {
  if (!(error instanceof ApiError)) return String(error);
  switch (error.status) {
    case 0:
      return 'Cannot reach the Ferrite server. Is it running?';
    case 401:
      return 'That token is not valid for this project.';
    case 404:
      return `Not found: ${error.message}. Check the project id.`;
    default:
      return `The server answered ${error.status}: ${error.message}`;
  }
}

/**
 * The sign-in form: a project id and a token, checked with one list request before they are kept.
 *
 * @param {HTMLElement} root
 * @param {{ message?: string, createApi: Function, onSignedIn: (credentials: object) => void }} options
 */
export function mountSignIn(root, { message, createApi, onSignedIn }) {
  const error = h('p', { class: 'form-error', role: 'alert', hidden: !message }, message ?? '');
  const projectId = h('input', {
    id: 'project-id',
    name: 'project_id',
    required: true,
    autocomplete: 'username',
    spellcheck: 'false',
    placeholder: '24 hexadecimal characters',
  });
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    required: true,
    autocomplete: 'current-password',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');

  const form = h(
    'form',
    { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p', { class: 'muted' }, 'Use the IRON_PROJECT_ID and IRON_TOKEN your clients use.'),
    error,
    h('label', { for: 'project-id' }, 'Project id'),
    projectId,
    h('label', { for: 'token' }, 'Token'),
    token,
    submit,
    h('p', { class: 'hint' }, 'The token is kept in this tab only and is sent to this server only.'),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const credentials = { projectId: projectId.value.trim(), token: token.value.trim() };
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    error.hidden = true;
    createApi(credentials)
      .listQueues({ perPage: 1 })
      .then(
        () => onSignedIn(credentials),
        (failure) => {
          error.textContent = describe(failure);
          error.hidden = false;
          submit.disabled = false;
          submit.textContent = 'Sign in';
          token.select();
        },
      );
  });

  replace(root, h('div', { class: 'signin-wrap' }, form));
  projectId.focus();
  return () => {};
}
