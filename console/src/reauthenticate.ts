import { h } from './dom';
import { auth, messageOf, type SignInResult } from './session';

/**
 * Asks the operator to prove themselves again (their password, then a code when TOTP is on), in a
 * modal dialog over the page. Resolves true once this session has fresh tokens, false on cancel.
 */
export function reauthenticate(root: Element): Promise<boolean> {
  return new Promise((resolve) => {
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
    let ticket: string | null = null;

    const dialog = h(
      'dialog',
      { 'aria-labelledby': 'reauth-title' },
      h(
        'form',
        {
          onsubmit: (event) => {
            event.preventDefault();
            error.textContent = '';
            submit.disabled = true;
            const attempt: Promise<SignInResult> = ticket
              ? auth.completeSignIn(ticket, field.value.trim()).then((user) => ({
                  status: 'signed-in' as const,
                  user,
                }))
              : auth.reauthenticate({ password: field.value });
            attempt
              .then((result) => {
                if (result.status === 'signed-in') return finish(true);
                // TOTP is on: the same form asks for the code of the ticket.
                ticket = result.ticket;
                intro.textContent = 'Enter the code from your authenticator app.';
                label.textContent = 'Code';
                Object.assign(field, { type: 'text', value: '', autocomplete: 'one-time-code' });
                submit.disabled = false;
                field.focus();
              })
              .catch((err: unknown) => {
                error.textContent = messageOf(err);
                submit.disabled = false;
                field.select();
              });
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
