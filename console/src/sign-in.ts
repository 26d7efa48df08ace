import { h, show } from './dom';
import { attempt, auth, type SignInResult } from './session';

/**
 * The sign-in form: email and password, then a code when the account asks for a second factor;
 * or a passkey. `done` runs once signed in (the caller decides what a USER sees).
 */
export function signInView(root: Element, done: () => void, notice?: string): void {
  const error = h('p', { role: 'alert', class: 'error' });
  const email = h('input', {
    id: 'email',
    type: 'email',
    name: 'email',
    autocomplete: 'username webauthn',
    required: true,
  });
  const password = h('input', {
    id: 'password',
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });

  const finish = (result: SignInResult) => {
    if (result.status === 'signed-in') done();
    else codeStep(root, result.ticket, done);
  };
  const signIn = (run: () => Promise<SignInResult>, busy: HTMLButtonElement) =>
    attempt(error, busy, () => run().then(finish));

  const submit = h('button', { type: 'submit' }, 'Sign in');
  const passkey = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => signIn(() => auth.passkeys.signIn(email.value.trim() || undefined), passkey),
    },
    'Use a passkey',
  );
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: (event) => {
        event.preventDefault();
        signIn(() => auth.signIn({ email: email.value.trim(), password: password.value }), submit);
      },
    },
    h('h1', {}, 'authql admin'),
    notice ? h('p', { role: 'status' }, notice) : null,
    h('label', { for: 'email' }, 'Email'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    h('div', { class: 'row' }, submit, passkey),
    error,
  );
  show(root, form);
  email.focus();
}

/** The second factor: a TOTP code or a recovery code for the ticket signIn answered. */
function codeStep(root: Element, ticket: string, done: () => void): void {
  const error = h('p', { role: 'alert', class: 'error' });
  const code = h('input', {
    id: 'code',
    name: 'code',
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    required: true,
  });
  const submit = h('button', { type: 'submit' }, 'Verify');
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: (event) => {
        event.preventDefault();
        attempt(
          error,
          submit,
          () => auth.completeSignIn(ticket, code.value.trim()).then(done),
          () => code.select(),
        );
      },
    },
    h('h1', {}, 'Two-step verification'),
    h('p', {}, 'Enter the code from your authenticator app, or one of your recovery codes.'),
    h('label', { for: 'code' }, 'Code'),
    code,
    h('div', { class: 'row' }, submit),
    error,
  );
  show(root, form);
  code.focus();
}
