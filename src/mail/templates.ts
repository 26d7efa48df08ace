import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailMessage } from './transport';
import { escapeHtml } from '../escape-html';

export type TemplateName =
  | 'activation'
  | 'activation-choose-password'
  | 'already-registered'
  | 'reset-password'
  | 'password-changed'
  | 'refresh-reuse'
  | 'account-deleted'
  | 'sign-in-code'
  | 'totp-enabled'
  | 'totp-disabled'
  | 'recovery-code-used'
  | 'recovery-codes-regenerated'
  | 'passkey-added'
  | 'passkey-removed'
  | 'account-reclaimed'
  | 'second-factor-failed'
  | 'org-invitation'
  | 'email-change-confirm'
  | 'email-change-confirm-old'
  | 'email-change-requested'
  | 'email-change-taken'
  | 'email-changed';

export interface TemplateVars {
  /** Only the activation and reset-password mails use these. */
  link?: string;
  ttl?: string;
  /** The 6-digit code (activation, reset-password, sign-in-code) and how long it lives. */
  code?: string;
  codeTtl?: string;
  /** recovery-code-used: how many unused recovery codes are left. */
  remaining?: string;
  /** account-reclaimed: what was removed, one item per line ("2 passkeys"). */
  removed?: string;
  /** org-invitation: the organization's name and the inviter's address. */
  orgName?: string;
  inviter?: string;
  /** The email-change mails: the address the account moves to. */
  newEmail?: string;
}

interface Template {
  subject: string;
  text: string;
  html: string;
}

const PARTS = { subject: 'subject.txt', text: 'txt', html: 'html' } as const;
const KNOWN_VARS = new Set([
  'appName',
  'email',
  'link',
  'ttl',
  'code',
  'codeTtl',
  'remaining',
  'removed',
  'orgName',
  'inviter',
  'newEmail',
]);

const page = (body: string) =>
  `<!doctype html>\n<html><body style="font-family:sans-serif;line-height:1.5">\n${body}\n</body></html>\n`;

/** The built-in wording; MAIL_TEMPLATES_DIR may replace any part of any of them. */
export const DEFAULT_TEMPLATES: Record<TemplateName, Template> = {
  activation: {
    subject: 'Activate your account',
    text: 'Welcome to {{appName}}! Confirm your email address to activate your account. The link works once and expires in {{ttl}}.\n\nActivate your account: {{link}}\n\nIn the app, enter this code instead: {{code}} (it expires in {{codeTtl}}; using the link or the code uses up both).\n',
    html: page(
      '<p>Welcome to {{appName}}! Confirm your email address to activate your account. The link works once and expires in {{ttl}}.</p>\n<p><a href="{{link}}">Activate your account</a></p>\n<p>In the app, enter this code instead: <strong style="font-size:1.4em;letter-spacing:0.2em">{{code}}</strong> (it expires in {{codeTtl}}; using the link or the code uses up both).</p>',
    ),
  },
  'activation-choose-password': {
    subject: 'Activate your account',
    text: 'Somebody (hopefully you) asked for a new activation link for the {{appName}} account of {{email}}. To activate it, choose its password: the link works once and expires in {{ttl}}.\n\nIf you did not ask for this, ignore this mail: nothing changes.\n\nChoose your password: {{link}}\n\nIn the app, enter this code with your new password instead: {{code}} (it expires in {{codeTtl}}; using the link or the code uses up both).\n',
    html: page(
      '<p>Somebody (hopefully you) asked for a new activation link for the {{appName}} account of {{email}}. To activate it, choose its password: the link works once and expires in {{ttl}}.</p>\n<p>If you did not ask for this, ignore this mail: nothing changes.</p>\n<p><a href="{{link}}">Choose your password</a></p>\n<p>In the app, enter this code with your new password instead: <strong style="font-size:1.4em;letter-spacing:0.2em">{{code}}</strong> (it expires in {{codeTtl}}; using the link or the code uses up both).</p>',
    ),
  },
  'already-registered': {
    subject: 'Someone tried to sign up with your address',
    text: 'Somebody (perhaps you) tried to create a {{appName}} account with {{email}}, which already has an active account.\n\nIf it was you, just sign in; if you forgot your password, ask for a password reset. If it was not you, you can ignore this mail: nothing was changed.\n',
    html: page(
      '<p>Somebody (perhaps you) tried to create a {{appName}} account with {{email}}, which already has an active account.</p>\n<p>If it was you, just sign in; if you forgot your password, ask for a password reset. If it was not you, you can ignore this mail: nothing was changed.</p>',
    ),
  },
  'reset-password': {
    subject: 'Reset your password',
    text: 'Somebody (hopefully you) asked to reset the password of your {{appName}} account. The link works once and expires in {{ttl}}.\n\nIf you did not ask for this, ignore this mail: your password stays as it is.\n\nChoose a new password: {{link}}\n\nIn the app, enter this code instead: {{code}} (it expires in {{codeTtl}}; using the link or the code uses up both).\n',
    html: page(
      '<p>Somebody (hopefully you) asked to reset the password of your {{appName}} account. The link works once and expires in {{ttl}}.</p>\n<p>If you did not ask for this, ignore this mail: your password stays as it is.</p>\n<p><a href="{{link}}">Choose a new password</a></p>\n<p>In the app, enter this code instead: <strong style="font-size:1.4em;letter-spacing:0.2em">{{code}}</strong> (it expires in {{codeTtl}}; using the link or the code uses up both).</p>',
    ),
  },
  'password-changed': {
    subject: 'Your password was changed',
    text: 'The password of your {{appName}} account was just changed, and your other sessions were signed out.\n\nIf this was not you, reset your password right away and contact support.\n',
    html: page(
      '<p>The password of your {{appName}} account was just changed, and your other sessions were signed out.</p>\n<p>If this was not you, reset your password right away and contact support.</p>',
    ),
  },
  'refresh-reuse': {
    subject: 'A sign-in session was ended for your safety',
    text: 'An old refresh token of one of your {{appName}} sessions was presented again, which can mean that it was copied. We ended that session.\n\nIf you did not expect this, change your password.\n',
    html: page(
      '<p>An old refresh token of one of your {{appName}} sessions was presented again, which can mean that it was copied. We ended that session.</p>\n<p>If you did not expect this, change your password.</p>',
    ),
  },
  'account-deleted': {
    subject: 'Your account was deleted',
    text: 'Your {{appName}} account and all its sessions were deleted, as you asked. This address can sign up again at any time.\n',
    html: page(
      '<p>Your {{appName}} account and all its sessions were deleted, as you asked. This address can sign up again at any time.</p>',
    ),
  },
  'sign-in-code': {
    subject: 'Your sign-in code',
    text: 'Your {{appName}} sign-in code is {{code}}. It works once and expires in {{codeTtl}}.\n\nIf you did not ask for it, ignore this mail: nobody can sign in without the code.\n',
    html: page(
      '<p>Your {{appName}} sign-in code is <strong style="font-size:1.4em;letter-spacing:0.2em">{{code}}</strong>. It works once and expires in {{codeTtl}}.</p>\n<p>If you did not ask for it, ignore this mail: nobody can sign in without the code.</p>',
    ),
  },
  'totp-enabled': {
    subject: 'Two-step verification is on',
    text: 'Two-step verification was just turned on for your {{appName}} account: signing in now also asks for a code from your authenticator app. Keep your recovery codes somewhere safe.\n\nIf this was not you, reset your password right away and contact support.\n',
    html: page(
      '<p>Two-step verification was just turned on for your {{appName}} account: signing in now also asks for a code from your authenticator app. Keep your recovery codes somewhere safe.</p>\n<p>If this was not you, reset your password right away and contact support.</p>',
    ),
  },
  'totp-disabled': {
    subject: 'Two-step verification is off',
    text: 'Two-step verification was just turned off for your {{appName}} account: signing in no longer asks for a code, and your recovery codes no longer work.\n\nIf this was not you, reset your password right away and contact support.\n',
    html: page(
      '<p>Two-step verification was just turned off for your {{appName}} account: signing in no longer asks for a code, and your recovery codes no longer work.</p>\n<p>If this was not you, reset your password right away and contact support.</p>',
    ),
  },
  'recovery-code-used': {
    subject: 'A recovery code was used to sign in',
    text: 'One of your {{appName}} recovery codes was just used to sign in. It cannot be used again; {{remaining}} unused codes are left. Once you are signed in you can make a fresh set.\n\nIf this was not you, reset your password right away and contact support.\n',
    html: page(
      '<p>One of your {{appName}} recovery codes was just used to sign in. It cannot be used again; {{remaining}} unused codes are left. Once you are signed in you can make a fresh set.</p>\n<p>If this was not you, reset your password right away and contact support.</p>',
    ),
  },
  'recovery-codes-regenerated': {
    subject: 'New recovery codes were made',
    text: 'A new set of recovery codes was just made for your {{appName}} account; the old codes no longer work.\n\nIf this was not you, reset your password right away and contact support.\n',
    html: page(
      '<p>A new set of recovery codes was just made for your {{appName}} account; the old codes no longer work.</p>\n<p>If this was not you, reset your password right away and contact support.</p>',
    ),
  },
  'passkey-added': {
    subject: 'A passkey was added to your account',
    text: 'A new passkey was just added to your {{appName}} account: it can now sign in without a password.\n\nIf this was not you, sign in, remove the passkey from your account and change your password.\n',
    html: page(
      '<p>A new passkey was just added to your {{appName}} account: it can now sign in without a password.</p>\n<p>If this was not you, sign in, remove the passkey from your account and change your password.</p>',
    ),
  },
  'passkey-removed': {
    subject: 'A passkey was removed from your account',
    text: 'A passkey was just removed from your {{appName}} account: it can no longer sign in.\n\nIf this was not you, change your password and check the passkeys and sessions of your account.\n',
    html: page(
      '<p>A passkey was just removed from your {{appName}} account: it can no longer sign in.</p>\n<p>If this was not you, change your password and check the passkeys and sessions of your account.</p>',
    ),
  },
  'account-reclaimed': {
    subject: 'Your account is yours again',
    text: 'You just proved that {{email}} is your address. Before that, someone who did not control this mailbox could have used your {{appName}} account, so we removed what they might have added:\n\n{{removed}}\n\nNothing else changed. Sign in as usual; if you use two-step verification or passkeys, set them up again.\n',
    html: page(
      '<p>You just proved that {{email}} is your address. Before that, someone who did not control this mailbox could have used your {{appName}} account, so we removed what they might have added:</p>\n<pre style="font-family:inherit">{{removed}}</pre>\n<p>Nothing else changed. Sign in as usual; if you use two-step verification or passkeys, set them up again.</p>',
    ),
  },
  'second-factor-failed': {
    subject: 'Someone entered your password',
    text: 'Someone just entered the right password for your {{appName}} account, but not the code from the second step, so they were not signed in.\n\nIf it was you, there is nothing to do. If it was not you, someone knows your password: change it now.\n',
    html: page(
      '<p>Someone just entered the right password for your {{appName}} account, but not the code from the second step, so they were not signed in.</p>\n<p>If it was you, there is nothing to do. If it was not you, someone knows your password: change it now.</p>',
    ),
  },
  'org-invitation': {
    subject: 'You are invited to join {{orgName}}',
    text: '{{inviter}} invited you ({{email}}) to join the organization {{orgName}} on {{appName}}. The invitation expires in {{ttl}}. To accept it, sign in with this address (sign up first if you have no account) and open:\n\n{{link}}\n\nIf you do not know the sender, ignore this mail: nothing happens unless you accept.\n',
    html: page(
      '<p>{{inviter}} invited you ({{email}}) to join the organization <strong>{{orgName}}</strong> on {{appName}}. The invitation expires in {{ttl}}. To accept it, sign in with this address (sign up first if you have no account).</p>\n<p><a href="{{link}}">Open the invitation</a></p>\n<p>If you do not know the sender, ignore this mail: nothing happens unless you accept.</p>',
    ),
  },
  'email-change-confirm': {
    subject: 'Confirm your new email address',
    text: 'Somebody (hopefully you) asked to use {{email}} as the address of their {{appName}} account. To confirm, open this link; it works once and expires in {{ttl}}.\n\nConfirm this address: {{link}}\n\nIn the app, enter this code instead: {{code}} (it expires in {{codeTtl}}; using the link or the code uses up both).\n\nIf you did not ask for this, ignore this mail: nothing changes.\n',
    html: page(
      '<p>Somebody (hopefully you) asked to use {{email}} as the address of their {{appName}} account. To confirm, open this link; it works once and expires in {{ttl}}.</p>\n<p><a href="{{link}}">Confirm this address</a></p>\n<p>In the app, enter this code instead: <strong style="font-size:1.4em;letter-spacing:0.2em">{{code}}</strong> (it expires in {{codeTtl}}; using the link or the code uses up both).</p>\n<p>If you did not ask for this, ignore this mail: nothing changes.</p>',
    ),
  },
  'email-change-confirm-old': {
    subject: 'Confirm the change of your email address',
    text: 'Somebody (hopefully you) asked to change the address of your {{appName}} account from {{email}} to {{newEmail}}. The change needs a confirmation from both addresses; this is the one for {{email}}. The link works once and expires in {{ttl}}.\n\nConfirm the change: {{link}}\n\nIf it was not you, do not open the link: change your password (or ask for a password reset for {{email}}) at once, which also cancels the change.\n',
    html: page(
      '<p>Somebody (hopefully you) asked to change the address of your {{appName}} account from {{email}} to {{newEmail}}. The change needs a confirmation from both addresses; this is the one for {{email}}. The link works once and expires in {{ttl}}.</p>\n<p><a href="{{link}}">Confirm the change</a></p>\n<p>If it was not you, do not open the link: change your password (or ask for a password reset for {{email}}) at once, which also cancels the change.</p>',
    ),
  },
  'email-change-requested': {
    subject: 'A change of your email address was requested',
    text: 'Somebody (hopefully you) asked to change the address of your {{appName}} account from {{email}} to {{newEmail}}. Nothing changes until the new address confirms it.\n\nIf it was not you, change your password now (or ask for a password reset for {{email}}): that cancels the change and signs out everyone else.\n',
    html: page(
      '<p>Somebody (hopefully you) asked to change the address of your {{appName}} account from {{email}} to {{newEmail}}. Nothing changes until the new address confirms it.</p>\n<p>If it was not you, change your password now (or ask for a password reset for {{email}}): that cancels the change and signs out everyone else.</p>',
    ),
  },
  'email-change-taken': {
    subject: 'Someone tried to move an account to your address',
    text: 'Somebody tried to change the address of another {{appName}} account to {{email}}, which already has an account. Nothing was changed, and your account is not affected.\n\nIf it was you, sign in to the account of {{email}} instead, or delete one of the two accounts first.\n',
    html: page(
      '<p>Somebody tried to change the address of another {{appName}} account to {{email}}, which already has an account. Nothing was changed, and your account is not affected.</p>\n<p>If it was you, sign in to the account of {{email}} instead, or delete one of the two accounts first.</p>',
    ),
  },
  'email-changed': {
    subject: 'Your email address was changed',
    text: 'The address of your {{appName}} account was changed from {{email}} to {{newEmail}}, and every other signed-in session was ended. Mail about the account now goes to {{newEmail}}.\n\nIf it was not you, ask for a password reset for {{newEmail}} or contact support at once.\n',
    html: page(
      '<p>The address of your {{appName}} account was changed from {{email}} to {{newEmail}}, and every other signed-in session was ended. Mail about the account now goes to {{newEmail}}.</p>\n<p>If it was not you, ask for a password reset for {{newEmail}} or contact support at once.</p>',
    ),
  },
};

/** Placeholders a subject may not carry: a subject shows on lock screens and in notification previews. */
const SECRET_VARS: ReadonlySet<string> = new Set(['code', 'link']);
const NONE: ReadonlySet<string> = new Set();

export class TemplateError extends Error {}

/**
 * Renders the mails from `{{name}}` templates: the defaults above, each part overridable by a file
 * `<name>.subject.txt`, `<name>.txt` or `<name>.html` in MAIL_TEMPLATES_DIR. Values are HTML-escaped
 * in the HTML part and stripped of line breaks in the subject (no header injection).
 */
export class MailTemplates {
  private readonly templates: Record<TemplateName, Template>;

  /** Reads and checks every override once; throws TemplateError naming the file at fault. */
  constructor(
    private readonly appName: string,
    dir: string | null,
  ) {
    this.templates = Object.fromEntries(
      Object.entries(DEFAULT_TEMPLATES).map(([name, defaults]) => [
        name,
        dir ? withOverrides(dir, name, defaults) : defaults,
      ]),
    ) as Record<TemplateName, Template>;
  }

  render(name: TemplateName, to: string, vars: TemplateVars = {}): MailMessage {
    const template = this.templates[name];
    const values: Record<string, string> = {
      appName: this.appName,
      email: to,
      link: vars.link ?? '',
      ttl: vars.ttl ?? '',
      code: vars.code ?? '',
      codeTtl: vars.codeTtl ?? '',
      remaining: vars.remaining ?? '',
      removed: vars.removed ?? '',
      orgName: vars.orgName ?? '',
      inviter: vars.inviter ?? '',
      newEmail: vars.newEmail ?? '',
    };
    const fill = (source: string, escape: (v: string) => string, withheld = NONE) =>
      source.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, key: string) =>
        withheld.has(key) ? '' : escape(values[key] ?? ''),
      );
    return {
      to,
      // Secrets never reach a subject, whatever its template says.
      subject: fill(template.subject, (v) => v, SECRET_VARS)
        .replace(/[\r\n]+/g, ' ')
        .trim(),
      text: fill(template.text, (v) => v),
      html: fill(template.html, escapeHtml),
    };
  }
}

function withOverrides(dir: string, name: string, defaults: Template): Template {
  const result = { ...defaults };
  for (const [part, suffix] of Object.entries(PARTS) as Array<[keyof Template, string]>) {
    const file = join(dir, `${name}.${suffix}`);
    if (!existsSync(file)) continue;
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
      if (!KNOWN_VARS.has(match[1]!)) {
        throw new TemplateError(
          `${file}: unknown placeholder {{${match[1]}}} (known: ${[...KNOWN_VARS].join(', ')})`,
        );
      }
      if (part === 'subject' && SECRET_VARS.has(match[1]!)) {
        throw new TemplateError(
          `${file}: {{${match[1]}}} may not be in a subject (lock screens and previews show it); put it in the body`,
        );
      }
    }
    result[part] = part === 'subject' ? source.trim() : source;
  }
  return result;
}

/** The file names a deployer may create in MAIL_TEMPLATES_DIR, with the default content of each. */
export function templateFiles(): Array<{ file: string; content: string }> {
  return Object.entries(DEFAULT_TEMPLATES).flatMap(([name, template]) =>
    (Object.entries(PARTS) as Array<[keyof Template, string]>).map(([part, suffix]) => ({
      file: `${name}.${suffix}`,
      content: part === 'subject' ? template.subject + '\n' : template[part],
    })),
  );
}
