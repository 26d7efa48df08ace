/** Every mail authql sends; each has a subject, a text and an HTML part. */
export const TEMPLATE_NAMES = [
  'activation',
  'activation-choose-password',
  'already-registered',
  'reset-password',
  'password-changed',
  'refresh-reuse',
  'account-deleted',
  'sign-in-code',
  'totp-enabled',
  'totp-disabled',
  'recovery-code-used',
  'recovery-codes-regenerated',
  'passkey-added',
  'passkey-removed',
  'account-reclaimed',
  'second-factor-failed',
  'org-invitation',
  'email-change-confirm',
  'email-change-confirm-old',
  'email-change-requested',
  'email-change-taken',
  'email-changed',
] as const;

export type TemplateName = (typeof TEMPLATE_NAMES)[number];
