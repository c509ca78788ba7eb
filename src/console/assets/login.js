// The login view: an access key pair, checked by the node once; the page then holds only an HttpOnly
// session cookie, and the secret is dropped from the form as soon as it is sent.

import { postJson } from './api.js';
import { h, clear } from './dom.js';

/** Shows the login form in `main`; calls `loggedIn()` once the node accepted the key pair. */
export function loginPage(main, reason, loggedIn) {
  const keyId = h('input', { id: 'access-key-id', name: 'accessKeyId', autocomplete: 'username', required: true, spellcheck: 'false' });
  const secret = h('input', { id: 'secret-access-key', name: 'secretAccessKey', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'login-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'login panel', id: 'login-form' },
    h('h1', { text: 'Log in to statehouse' }),
    h('p', { class: 'muted', text: 'Use an access key pair this node accepts (its [[credentials]]). The secret is checked once and not kept by the browser.' }),
    h('label', { for: 'access-key-id', text: 'Access key ID' }), keyId,
    h('label', { for: 'secret-access-key', text: 'Secret access key' }), secret,
    h('button', { type: 'submit', id: 'login-button', text: 'Log in' }),
    message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const pair = { accessKeyId: keyId.value.trim(), secretAccessKey: secret.value };
    secret.value = '';
    message.hidden = true;
    try {
      await postJson('/console/api/login', pair);
      loggedIn();
    } catch (error) {
      message.textContent = `${error.code}: ${error.message}`;
      message.hidden = false;
    }
  });
  clear(main).append(form);
  if (reason) {
    message.textContent = reason;
    message.hidden = false;
  }
  keyId.focus();
}
