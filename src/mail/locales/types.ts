import type { TemplateName } from '../template-names';

/**
 * One block of a mail's body: an ICU message as a paragraph, a button-like link (its label; the text
 * part prints `label: <link>`), or the list of what a reclaim removed.
 */
export type MailBlock = string | { readonly link: string } | { readonly list: 'removed' };

export interface MailText {
  /** ICU message; never `{code}` or `{link}` (a subject shows on lock screens). */
  readonly subject: string;
  readonly body: readonly MailBlock[];
}

/**
 * One language's mails. Messages are ICU MessageFormat: `{appName}`, `{email}`, `{ttl}` and `{codeTtl}`
 * (durations, already written out in this language), `{code}`, `{link}`, `{orgName}`, `{inviter}`,
 * `{newEmail}`, and `{remaining, plural, ...}` (a number).
 */
export interface MailCatalog {
  readonly templates: Readonly<Record<TemplateName, MailText>>;
  /** How the text part prints a link: `{label}` and `{link}` (French puts a space before the colon). */
  readonly linkLine: string;
  /** account-reclaimed: one line per kind of thing removed, `{count, plural, ...}`. */
  readonly removed: Readonly<Record<ReclaimedKind, string>>;
}

/** What a reclaim can remove (the names the features register with onReclaim). */
export const RECLAIMED_KINDS = [
  'passkeys',
  'totp',
  'recovery-codes',
  'sessions',
  'unverified-links',
] as const;
export type ReclaimedKind = (typeof RECLAIMED_KINDS)[number];
