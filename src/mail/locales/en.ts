import type { MailCatalog } from './types';

const CODE_INSTEAD =
  'In the app, enter this code instead: {code} (it expires in {codeTtl}; using the link or the code uses up both).';
const NOT_YOU = 'If this was not you, reset your password right away and contact support.';

export const en: MailCatalog = {
  templates: {
    activation: {
      subject: 'Activate your account',
      body: [
        'Welcome to {appName}! Confirm your email address to activate your account. The link works once and expires in {ttl}.',
        { link: 'Activate your account' },
        CODE_INSTEAD,
      ],
    },
    'activation-choose-password': {
      subject: 'Activate your account',
      body: [
        'Somebody (hopefully you) asked for a new activation link for the {appName} account of {email}. To activate it, choose its password: the link works once and expires in {ttl}.',
        'If you did not ask for this, ignore this mail: nothing changes.',
        { link: 'Choose your password' },
        'In the app, enter this code with your new password instead: {code} (it expires in {codeTtl}; using the link or the code uses up both).',
      ],
    },
    'already-registered': {
      subject: 'Someone tried to sign up with your address',
      body: [
        'Somebody (perhaps you) tried to create a {appName} account with {email}, which already has an active account.',
        'If it was you, just sign in; if you forgot your password, ask for a password reset. If it was not you, you can ignore this mail: nothing was changed.',
      ],
    },
    'reset-password': {
      subject: 'Reset your password',
      body: [
        'Somebody (hopefully you) asked to reset the password of your {appName} account. The link works once and expires in {ttl}.',
        'If you did not ask for this, ignore this mail: your password stays as it is.',
        { link: 'Choose a new password' },
        CODE_INSTEAD,
      ],
    },
    'password-changed': {
      subject: 'Your password was changed',
      body: [
        'The password of your {appName} account was just changed, and your other sessions were signed out.',
        NOT_YOU,
      ],
    },
    'refresh-reuse': {
      subject: 'A sign-in session was ended for your safety',
      body: [
        'An old refresh token of one of your {appName} sessions was presented again, which can mean that it was copied. We ended that session.',
        'If you did not expect this, change your password.',
      ],
    },
    'account-deleted': {
      subject: 'Your account was deleted',
      body: [
        'Your {appName} account and all its sessions were deleted, as you asked. This address can sign up again at any time.',
      ],
    },
    'sign-in-code': {
      subject: 'Your sign-in code',
      body: [
        'Your {appName} sign-in code is {code}. It works once and expires in {codeTtl}.',
        'If you did not ask for it, ignore this mail: nobody can sign in without the code.',
      ],
    },
    'totp-enabled': {
      subject: 'Two-step verification is on',
      body: [
        'Two-step verification was just turned on for your {appName} account: signing in now also asks for a code from your authenticator app. Keep your recovery codes somewhere safe.',
        NOT_YOU,
      ],
    },
    'totp-disabled': {
      subject: 'Two-step verification is off',
      body: [
        'Two-step verification was just turned off for your {appName} account: signing in no longer asks for a code, and your recovery codes no longer work.',
        NOT_YOU,
      ],
    },
    'recovery-code-used': {
      subject: 'A recovery code was used to sign in',
      body: [
        'One of your {appName} recovery codes was just used to sign in. It cannot be used again; {remaining, plural, =0 {no unused codes are left} one {# unused code is left} other {# unused codes are left}}. Once you are signed in you can make a fresh set.',
        NOT_YOU,
      ],
    },
    'recovery-codes-regenerated': {
      subject: 'New recovery codes were made',
      body: [
        'A new set of recovery codes was just made for your {appName} account; the old codes no longer work.',
        NOT_YOU,
      ],
    },
    'passkey-added': {
      subject: 'A passkey was added to your account',
      body: [
        'A new passkey was just added to your {appName} account: it can now sign in without a password.',
        'If this was not you, sign in, remove the passkey from your account and change your password.',
      ],
    },
    'passkey-removed': {
      subject: 'A passkey was removed from your account',
      body: [
        'A passkey was just removed from your {appName} account: it can no longer sign in.',
        'If this was not you, change your password and check the passkeys and sessions of your account.',
      ],
    },
    'account-reclaimed': {
      subject: 'Your account is yours again',
      body: [
        'You just proved that {email} is your address. Before that, someone who did not control this mailbox could have used your {appName} account, so we removed what they might have added:',
        { list: 'removed' },
        'Nothing else changed. Sign in as usual; if you use two-step verification or passkeys, set them up again.',
      ],
    },
    'second-factor-failed': {
      subject: 'Someone entered your password',
      body: [
        'Someone just entered the right password for your {appName} account, but not the code from the second step, so they were not signed in.',
        'If it was you, there is nothing to do. If it was not you, someone knows your password: change it now.',
      ],
    },
    'org-invitation': {
      subject: 'You are invited to join {orgName}',
      body: [
        '{inviter} invited you ({email}) to join the organization {orgName} on {appName}. The invitation expires in {ttl}. To accept it, sign in with this address (sign up first if you have no account) and open the invitation.',
        { link: 'Open the invitation' },
        'If you do not know the sender, ignore this mail: nothing happens unless you accept.',
      ],
    },
    'email-change-confirm': {
      subject: 'Confirm your new email address',
      body: [
        'Somebody (hopefully you) asked to use {email} as the address of their {appName} account. To confirm, open this link; it works once and expires in {ttl}.',
        { link: 'Confirm this address' },
        CODE_INSTEAD,
        'If you did not ask for this, ignore this mail: nothing changes.',
      ],
    },
    'email-change-confirm-old': {
      subject: 'Confirm the change of your email address',
      body: [
        'Somebody (hopefully you) asked to change the address of your {appName} account from {email} to {newEmail}. The change needs a confirmation from both addresses; this is the one for {email}. The link works once and expires in {ttl}.',
        { link: 'Confirm the change' },
        'If it was not you, do not open the link: change your password (or ask for a password reset for {email}) at once, which also cancels the change.',
      ],
    },
    'email-change-requested': {
      subject: 'A change of your email address was requested',
      body: [
        'Somebody (hopefully you) asked to change the address of your {appName} account from {email} to {newEmail}. Nothing changes until the new address confirms it.',
        'If it was not you, change your password now (or ask for a password reset for {email}): that cancels the change and signs out everyone else.',
      ],
    },
    'email-change-taken': {
      subject: 'Someone tried to move an account to your address',
      body: [
        'Somebody tried to change the address of another {appName} account to {email}, which already has an account. Nothing was changed, and your account is not affected.',
        'If it was you, sign in to the account of {email} instead, or delete one of the two accounts first.',
      ],
    },
    'email-changed': {
      subject: 'Your email address was changed',
      body: [
        'The address of your {appName} account was changed from {email} to {newEmail}, and every other signed-in session was ended. Mail about the account now goes to {newEmail}.',
        'If it was not you, ask for a password reset for {newEmail} or contact support at once.',
      ],
    },
  },
  linkLine: '{label}: {link}',
  removed: {
    passkeys: '{count, plural, one {# passkey} other {# passkeys}}',
    totp: 'two-step verification (authenticator app)',
    'recovery-codes': '{count, plural, one {# recovery code} other {# recovery codes}}',
    sessions: '{count, plural, one {# signed-in session} other {# signed-in sessions}}',
    'unverified-links':
      '{count, plural, one {# social sign-in link} other {# social sign-in links}}',
  },
};
