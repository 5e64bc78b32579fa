import { api, ApiError } from '../api.js';
import { h } from '../dom.js';

/** The login form. Resolves when logged in. */
export function loginView(root: HTMLElement): Promise<void> {
  return new Promise((resolve) => {
    const error = h('p', { class: 'error', attrs: { role: 'alert' } });
    const user = h('input', { attrs: { id: 'login-user', name: 'username', autocomplete: 'username', required: true, value: 'admin' } });
    const pass = h('input', { attrs: { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true } });
    const form = h(
      'form',
      {
        class: 'login',
        on: {
          submit: (e) => {
            e.preventDefault();
            error.textContent = '';
            api('POST', '/api/login', { username: user.value, password: pass.value }).then(
              () => resolve(),
              (err: unknown) => {
                error.textContent = err instanceof ApiError && err.status === 429 ? 'Too many attempts: wait 15 minutes.' : 'Wrong user name or password.';
                pass.select();
              },
            );
          },
        },
      },
      h('h1', { text: 'PiChat' }),
      h('label', { text: 'User name', attrs: { for: 'login-user' } }),
      user,
      h('label', { text: 'Password', attrs: { for: 'login-password' } }),
      pass,
      h('button', { text: 'Log in', class: 'primary', attrs: { type: 'submit' } }),
      error,
      h('p', { class: 'hint', text: 'The password was printed by the server on its first start (or set with PICHAT_ADMIN_PASSWORD).' }),
    );
    root.replaceChildren(h('main', { class: 'login-page' }, form));
    pass.focus();
  });
}
