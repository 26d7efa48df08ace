import { h } from './dom';
import { attempt, auth, type SignInResult } from './session';

/** What the dialog's one field holds: the password, a mailed code, or the TOTP code of a ticket. */
type Step = { kind: 'password' } | { kind: 'mailed' } | { kind: 'totp'; ticket: string };

/**
 * Asks the operator to prove themselves again, in a modal dialog over the page: their password, or
 * (for an account without one) a code mailed to them, then a TOTP code when two-step is on. Resolves
 * true once this session has fresh tokens, false on cancel. `email` is the operator's own address.
 */
export function reauthenticate(root: Element, email: string): Promise<boolean> {
  return new Promise((resolve) => {
    let step: Step = { kind: 'password' };
    const error = h('p', { role: 'alert', class: 'error' });
    const field = h('input', {
      id: 'reauth-secret',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const label = h('label', { for: 'reauth-secret' }, 'Password');
    const intro = h('p', {}, 'This action needs a recent sign-in. Enter your password to go on.');
    const submit = h('button', { type: 'submit' }, 'Confirm');
    const mailMe = h(
      'button',
      { type: 'button', class: 'secondary', onclick: () => mailCode() },
      'Email me a code',
    );

    /** The same field, now for a code. */
    const askCode = (next: Step, text: string) => {
      step = next;
      intro.textContent = text;
      label.textContent = 'Code';
      Object.assign(field, { type: 'text', value: '', autocomplete: 'one-time-code' });
      field.setAttribute('inputmode', 'numeric');
      mailMe.hidden = true;
      field.focus();
    };

    // An account without a password (social sign-in) proves itself with a code from its mailbox.
    const mailCode = () =>
      attempt(error, mailMe, async () => {
        await auth.requestSignInCode(email);
        askCode({ kind: 'mailed' }, `Enter the 6-digit code mailed to ${email}.`);
      });

    const prove = (value: string): Promise<SignInResult> => {
      if (step.kind === 'totp')
        return auth
          .completeSignIn(step.ticket, value.trim())
          .then((user) => ({ status: 'signed-in' as const, user }));
      return auth.reauthenticate(
        step.kind === 'password' ? { password: value } : { code: value.trim() },
      );
    };

    const dialog = h(
      'dialog',
      { 'aria-labelledby': 'reauth-title' },
      h(
        'form',
        {
          onsubmit: (event) => {
            event.preventDefault();
            attempt(
              error,
              submit,
              async () => {
                const result = await prove(field.value);
                submit.disabled = false;
                if (result.status === 'signed-in') return finish(true);
                askCode(
                  { kind: 'totp', ticket: result.ticket },
                  'Enter the code from your authenticator app.',
                );
              },
              () => field.select(),
            );
          },
        },
        h('h2', { id: 'reauth-title' }, 'Confirm it’s you'),
        intro,
        label,
        field,
        h(
          'div',
          { class: 'row' },
          submit,
          mailMe,
          h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => finish(false) },
            'Cancel',
          ),
        ),
        error,
      ),
    );
    const finish = (ok: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    root.appendChild(dialog);
    dialog.showModal();
    field.focus();
  });
}
