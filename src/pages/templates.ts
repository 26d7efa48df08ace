import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../password/password-policy';
import { html, type Html } from './html';

export const STYLESHEET_PATH = '/assets/pages.css';

function layout(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex" />
        <title>${title} · authql</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
      </head>
      <body>
        <main>
          <p class="brand">authql</p>
          ${body}
        </main>
      </body>
    </html> `.value;
}

const notice = (kind: 'ok' | 'error' | 'info', text: string | undefined) =>
  text
    ? html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`
    : '';

// ---------------------------------------------------------------- activation

export function activateForm(token: string, csrf: string): string {
  return layout(
    'Activate your account',
    html`<h1>Activate your account</h1>
      <p>Press the button to activate the account this link was sent for.</p>
      <form method="post" action="/activate">
        <input type="hidden" name="token" value="${token}" />
        <input type="hidden" name="csrf" value="${csrf}" />
        <button type="submit">Activate my account</button>
      </form>`,
  );
}

export function activated(email: string): string {
  return layout(
    'Account activated',
    html`<h1>Your account is activated</h1>
      ${notice('ok', `${email} is ready.`)}
      <p>You can close this page and sign in with your email address and password.</p>`,
  );
}

export function activationFailed(reason: 'used' | 'expired', csrf: string): string {
  const heading =
    reason === 'expired' ? 'This activation link has expired' : 'This link has already been used';
  const text =
    reason === 'expired'
      ? 'Activation links work for a limited time. Enter your email address and we will send you a new one.'
      : 'Each link works once, and a newer link replaces older ones. If you already activated your account, just sign in. Otherwise, ask for a new link:';
  return layout(
    heading,
    html`<h1>${heading}</h1>
      <p>${text}</p>
      ${resendFormBody(csrf, '')}`,
  );
}

export function resendForm(csrf: string, email: string, error: string): string {
  return layout(
    'Send a new activation link',
    html`<h1>Send a new activation link</h1>
      ${notice('error', error)}${resendFormBody(csrf, email)}`,
  );
}

function resendFormBody(csrf: string, email: string): Html {
  return html`<form method="post" action="/activate/resend">
    <input type="hidden" name="csrf" value="${csrf}" />
    <label for="email">Email address</label>
    <input id="email" type="email" name="email" value="${email}" autocomplete="email" required />
    <button type="submit">Send a new link</button>
  </form>`;
}

export function resendSent(): string {
  return layout(
    'Check your inbox',
    html`<h1>Check your inbox</h1>
      ${notice('info', 'If the address is registered and waiting for activation, a new link is on its way.')}
      <p class="muted">
        It can take a minute; look in the spam folder too. The new link replaces the old ones.
      </p>`,
  );
}

// ---------------------------------------------------------------- password reset

const RULES = html`<ul class="rules">
  <li>At least ${PASSWORD_MIN_BYTES} characters; long passphrases with spaces are welcome.</li>
  <li>
    At most ${PASSWORD_MAX_BYTES} bytes (${PASSWORD_MAX_BYTES} plain letters, fewer with accents or
    emoji).
  </li>
  <li>Not one of the most common passwords, and not your email address.</li>
</ul>`;

/** Typed passwords are never written back into the page: after an error both fields start empty. */
export function resetForm(token: string, csrf: string, error = ''): string {
  return layout(
    'Choose a new password',
    html`<h1>Choose a new password</h1>
      ${notice('error', error)} ${RULES}
      <form method="post" action="/reset-password">
        <input type="hidden" name="token" value="${token}" />
        <input type="hidden" name="csrf" value="${csrf}" />
        <label for="password">New password</label>
        <input id="password" type="password" name="password" autocomplete="new-password" required />
        <label for="confirm">New password, again</label>
        <input id="confirm" type="password" name="confirm" autocomplete="new-password" required />
        <button type="submit">Set new password</button>
      </form>`,
  );
}

export function resetDone(): string {
  return layout(
    'Password changed',
    html`<h1>Your password has been changed</h1>
      ${notice('ok', 'Every session was signed out.')}
      <p>You can close this page and sign in with your new password.</p>`,
  );
}

export function resetFailed(reason: 'used' | 'expired'): string {
  const heading =
    reason === 'expired' ? 'This reset link has expired' : 'This link has already been used';
  const text =
    reason === 'expired'
      ? 'Reset links work for a limited time. Ask for a new one from the app where you sign in.'
      : 'Each link works once, a newer link replaces older ones, and a password change ends them all. Ask for a new one from the app where you sign in.';
  return layout(
    heading,
    html`<h1>${heading}</h1>
      <p>${text}</p>`,
  );
}

// ---------------------------------------------------------------- shared

export function confirmEmailForm(token: string, csrf: string): string {
  return layout(
    'Confirm your email address',
    html`<h1>Confirm the change of your email address</h1>
      <p>Press the button to confirm the change of address this link was sent for.</p>
      <form method="post" action="/confirm-email">
        <input type="hidden" name="token" value="${token}" />
        <input type="hidden" name="csrf" value="${csrf}" />
        <button type="submit">Confirm the change</button>
      </form>`,
  );
}

/** `email`: the account's address after this confirmation (the old one while the other is due). */
export function emailConfirmed(email: string): string {
  return layout(
    'Email address confirmed',
    html`<h1>Thank you for confirming</h1>
      ${notice('ok', `The address of the account is now ${email}.`)}
      <p>
        If a confirmation from the other address is still needed, open the link mailed there too.
        You can close this page.
      </p>`,
  );
}

export function emailChangeFailed(reason: 'used' | 'expired'): string {
  const heading =
    reason === 'expired' ? 'This confirmation link has expired' : 'This link cannot be used';
  const text =
    reason === 'expired'
      ? 'Confirmation links work for a limited time. Ask for the change again from the app where you sign in.'
      : 'Each link works once, and a newer request or a password change ends it. Ask for the change again from the app where you sign in.';
  return layout(
    heading,
    html`<h1>${heading}</h1>
      <p>${text}</p>`,
  );
}

export function problem(heading: string, text: string): string {
  return layout(
    heading,
    html`<h1>${heading}</h1>
      <p>${text}</p>`,
  );
}
