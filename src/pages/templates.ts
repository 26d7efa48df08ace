import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../password/password-policy';
import { html, type Html } from './html';
import { STYLESHEET_PATH } from './pages.css';
import type { PageText } from './page-locale';

function layout(t: PageText, title: string, body: Html): string {
  return pageDocument(t.lang, title, body);
}

/** The document every page is: its language, title and body, the stylesheet, no referrer. */
export function pageDocument(lang: string, title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="${lang}">
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

/** Carries the page's language to the answer of its form (a `?lang=` page answers in that language too). */
const langField = (t: PageText) => html`<input type="hidden" name="lang" value="${t.lang}" />`;

export function activateForm(t: PageText, token: string, csrf: string): string {
  return layout(
    t,
    t.say('activateTitle'),
    html`<h1>${t.say('activateTitle')}</h1>
      <p>${t.say('activateIntro')}</p>
      <form method="post" action="/activate">
        ${langField(t)}
        <input type="hidden" name="token" value="${token}" />
        <input type="hidden" name="csrf" value="${csrf}" />
        <button type="submit">${t.say('activateButton')}</button>
      </form>`,
  );
}

export function activated(t: PageText, email: string): string {
  return layout(
    t,
    t.say('activatedTitle'),
    html`<h1>${t.say('activatedHeading')}</h1>
      ${notice('ok', t.say('activatedNotice', { email }))}
      <p>${t.say('activatedText')}</p>`,
  );
}

export function activationFailed(t: PageText, reason: 'used' | 'expired', csrf: string): string {
  const heading = t.say(reason === 'expired' ? 'activationExpiredHeading' : 'linkUsedHeading');
  const text = t.say(reason === 'expired' ? 'activationExpiredText' : 'activationUsedText');
  return layout(
    t,
    heading,
    html`<h1>${heading}</h1>
      <p>${text}</p>
      ${resendFormBody(t, csrf, '')}`,
  );
}

export function resendForm(t: PageText, csrf: string, email: string, error: string): string {
  return layout(
    t,
    t.say('resendTitle'),
    html`<h1>${t.say('resendTitle')}</h1>
      ${notice('error', error)}${resendFormBody(t, csrf, email)}`,
  );
}

function resendFormBody(t: PageText, csrf: string, email: string): Html {
  return html`<form method="post" action="/activate/resend">
    ${langField(t)}
    <input type="hidden" name="csrf" value="${csrf}" />
    <label for="email">${t.say('emailLabel')}</label>
    <input id="email" type="email" name="email" value="${email}" autocomplete="email" required />
    <button type="submit">${t.say('resendButton')}</button>
  </form>`;
}

export function resendSent(t: PageText): string {
  return layout(
    t,
    t.say('resendSentTitle'),
    html`<h1>${t.say('resendSentTitle')}</h1>
      ${notice('info', t.say('resendSentNotice'))}
      <p class="muted">${t.say('resendSentText')}</p>`,
  );
}

// ---------------------------------------------------------------- password reset

const rules = (t: PageText) =>
  html`<ul class="rules">
    <li>${t.say('ruleMin', { min: PASSWORD_MIN_BYTES })}</li>
    <li>${t.say('ruleMax', { max: PASSWORD_MAX_BYTES })}</li>
    <li>${t.say('ruleCommon')}</li>
  </ul>`;

/** Typed passwords are never written back into the page: after an error both fields start empty. */
export function resetForm(t: PageText, token: string, csrf: string, error = ''): string {
  return layout(
    t,
    t.say('resetTitle'),
    html`<h1>${t.say('resetTitle')}</h1>
      ${notice('error', error)} ${rules(t)}
      <form method="post" action="/reset-password">
        ${langField(t)}
        <input type="hidden" name="token" value="${token}" />
        <input type="hidden" name="csrf" value="${csrf}" />
        <label for="password">${t.say('newPasswordLabel')}</label>
        <input id="password" type="password" name="password" autocomplete="new-password" required />
        <label for="confirm">${t.say('newPasswordAgainLabel')}</label>
        <input id="confirm" type="password" name="confirm" autocomplete="new-password" required />
        <button type="submit">${t.say('resetButton')}</button>
      </form>`,
  );
}

export function resetDone(t: PageText): string {
  return layout(
    t,
    t.say('resetDoneTitle'),
    html`<h1>${t.say('resetDoneHeading')}</h1>
      ${notice('ok', t.say('resetDoneNotice'))}
      <p>${t.say('resetDoneText')}</p>`,
  );
}

export function resetFailed(t: PageText, reason: 'used' | 'expired'): string {
  const heading = t.say(reason === 'expired' ? 'resetExpiredHeading' : 'linkUsedHeading');
  const text = t.say(reason === 'expired' ? 'resetExpiredText' : 'resetUsedText');
  return layout(
    t,
    heading,
    html`<h1>${heading}</h1>
      <p>${text}</p>`,
  );
}

// ---------------------------------------------------------------- email change

export function confirmEmailForm(t: PageText, token: string, csrf: string): string {
  return layout(
    t,
    t.say('confirmEmailTitle'),
    html`<h1>${t.say('confirmEmailHeading')}</h1>
      <p>${t.say('confirmEmailIntro')}</p>
      <form method="post" action="/confirm-email">
        ${langField(t)}
        <input type="hidden" name="token" value="${token}" />
        <input type="hidden" name="csrf" value="${csrf}" />
        <button type="submit">${t.say('confirmEmailButton')}</button>
      </form>`,
  );
}

/** `email`: the account's address after this confirmation (the old one while the other is due). */
export function emailConfirmed(t: PageText, email: string): string {
  return layout(
    t,
    t.say('emailConfirmedTitle'),
    html`<h1>${t.say('emailConfirmedHeading')}</h1>
      ${notice('ok', t.say('emailConfirmedNotice', { email }))}
      <p>${t.say('emailConfirmedText')}</p>`,
  );
}

export function emailChangeFailed(t: PageText, reason: 'used' | 'expired'): string {
  const heading = t.say(
    reason === 'expired' ? 'emailChangeExpiredHeading' : 'emailChangeUsedHeading',
  );
  const text = t.say(reason === 'expired' ? 'emailChangeExpiredText' : 'emailChangeUsedText');
  return layout(
    t,
    heading,
    html`<h1>${heading}</h1>
      <p>${text}</p>`,
  );
}

// ---------------------------------------------------------------- shared

export function problem(t: PageText, heading: string, text: string): string {
  return layout(
    t,
    heading,
    html`<h1>${heading}</h1>
      <p>${text}</p>`,
  );
}
