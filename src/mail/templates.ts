import type { MailMessage } from './transport';

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function compose(
  to: string,
  subject: string,
  paragraphs: string[],
  link?: { url: string; label: string },
): MailMessage {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : [])].join('\n\n') + '\n';
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`] : []),
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html };
}

export const activationMail = (to: string, url: string, ttl: string) =>
  compose(
    to,
    'Activate your account',
    [
      `Welcome! Confirm your email address to activate your account. The link works once and expires in ${ttl}.`,
    ],
    { url, label: 'Activate your account' },
  );

export const alreadyRegisteredMail = (to: string) =>
  compose(to, 'Someone tried to sign up with your address', [
    'Somebody (perhaps you) tried to create an account with this email address, which already has an active account.',
    'If it was you, just sign in; if you forgot your password, ask for a password reset. If it was not you, you can ignore this mail: nothing was changed.',
  ]);

export const refreshReuseMail = (to: string) =>
  compose(to, 'A sign-in session was ended for your safety', [
    'An old refresh token of one of your sessions was presented again, which can mean that it was copied. We ended that session.',
    'If you did not expect this, change your password.',
  ]);

export const resetPasswordMail = (to: string, url: string, ttl: string) =>
  compose(
    to,
    'Reset your password',
    [
      `Somebody (hopefully you) asked to reset the password of your account. The link works once and expires in ${ttl}.`,
      'If you did not ask for this, ignore this mail: your password stays as it is.',
    ],
    { url, label: 'Choose a new password' },
  );

export const passwordChangedMail = (to: string) =>
  compose(to, 'Your password was changed', [
    'The password of your account was just changed, and your other sessions were signed out.',
    'If this was not you, reset your password right away and contact support.',
  ]);

export const accountDeletedMail = (to: string) =>
  compose(to, 'Your account was deleted', [
    'Your account and all its sessions were deleted, as you asked. This address can sign up again at any time.',
  ]);
