import type { MailCatalog } from './types';

const CODE_INSTEAD =
  'Alternativ können Sie in der App diesen Code eingeben: {code} (er ist {codeTtl} lang gültig; sobald Sie den Link oder den Code verwenden, sind beide verbraucht).';
const NOT_YOU =
  'Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an den Support.';

export const de: MailCatalog = {
  templates: {
    activation: {
      subject: 'Aktivieren Sie Ihr Konto',
      body: [
        'Willkommen bei {appName}! Bitte bestätigen Sie Ihre E-Mail-Adresse, um Ihr Konto zu aktivieren. Der Link funktioniert einmal und ist {ttl} lang gültig.',
        { link: 'Konto aktivieren' },
        CODE_INSTEAD,
      ],
    },
    'activation-choose-password': {
      subject: 'Aktivieren Sie Ihr Konto',
      body: [
        'Jemand (hoffentlich Sie) hat einen neuen Aktivierungslink für das {appName}-Konto von {email} angefordert. Um es zu aktivieren, legen Sie ein Passwort fest: Der Link funktioniert einmal und ist {ttl} lang gültig.',
        'Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail einfach: Es ändert sich nichts.',
        { link: 'Passwort festlegen' },
        'Alternativ können Sie in der App diesen Code zusammen mit Ihrem neuen Passwort eingeben: {code} (er ist {codeTtl} lang gültig; sobald Sie den Link oder den Code verwenden, sind beide verbraucht).',
      ],
    },
    'already-registered': {
      subject: 'Jemand wollte sich mit Ihrer Adresse registrieren',
      body: [
        'Jemand (vielleicht Sie) wollte mit {email} ein {appName}-Konto anlegen. Für diese Adresse gibt es bereits ein aktives Konto.',
        'Falls Sie es waren, melden Sie sich einfach an; wenn Sie Ihr Passwort vergessen haben, lassen Sie es zurücksetzen. Falls nicht, können Sie diese E-Mail ignorieren: Es wurde nichts geändert.',
      ],
    },
    'reset-password': {
      subject: 'Setzen Sie Ihr Passwort zurück',
      body: [
        'Jemand (hoffentlich Sie) möchte das Passwort Ihres {appName}-Kontos zurücksetzen. Der Link funktioniert einmal und ist {ttl} lang gültig.',
        'Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.',
        { link: 'Neues Passwort festlegen' },
        CODE_INSTEAD,
      ],
    },
    'password-changed': {
      subject: 'Ihr Passwort wurde geändert',
      body: [
        'Das Passwort Ihres {appName}-Kontos wurde soeben geändert, und Ihre anderen Sitzungen wurden abgemeldet.',
        NOT_YOU,
      ],
    },
    'refresh-reuse': {
      subject: 'Eine Sitzung wurde zu Ihrer Sicherheit beendet',
      body: [
        'Ein altes Aktualisierungstoken einer Ihrer {appName}-Sitzungen wurde erneut verwendet. Das kann bedeuten, dass es kopiert wurde. Wir haben diese Sitzung deshalb beendet.',
        'Wenn Sie damit nicht gerechnet haben, ändern Sie Ihr Passwort.',
      ],
    },
    'account-deleted': {
      subject: 'Ihr Konto wurde gelöscht',
      body: [
        'Wie gewünscht wurden Ihr {appName}-Konto und alle seine Sitzungen gelöscht. Sie können sich mit dieser Adresse jederzeit wieder registrieren.',
      ],
    },
    'sign-in-code': {
      subject: 'Ihr Anmeldecode',
      body: [
        'Ihr Anmeldecode für {appName} lautet {code}. Er funktioniert einmal und ist {codeTtl} lang gültig.',
        'Falls Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne den Code kann sich niemand anmelden.',
      ],
    },
    'totp-enabled': {
      subject: 'Die Bestätigung in zwei Schritten ist aktiviert',
      body: [
        'Für Ihr {appName}-Konto wurde soeben die Bestätigung in zwei Schritten aktiviert: Bei der Anmeldung wird jetzt zusätzlich ein Code aus Ihrer Authenticator-App abgefragt. Bewahren Sie Ihre Wiederherstellungscodes an einem sicheren Ort auf.',
        NOT_YOU,
      ],
    },
    'totp-disabled': {
      subject: 'Die Bestätigung in zwei Schritten ist deaktiviert',
      body: [
        'Für Ihr {appName}-Konto wurde soeben die Bestätigung in zwei Schritten deaktiviert: Bei der Anmeldung wird kein Code mehr abgefragt, und Ihre Wiederherstellungscodes sind nicht mehr gültig.',
        NOT_YOU,
      ],
    },
    'recovery-code-used': {
      subject: 'Sie haben sich mit einem Wiederherstellungscode angemeldet',
      body: [
        'Soeben wurde einer Ihrer Wiederherstellungscodes für {appName} zur Anmeldung verwendet. Er kann nicht noch einmal verwendet werden; {remaining, plural, =0 {Sie haben keine unbenutzten Codes mehr} one {Sie haben noch # unbenutzten Code} other {Sie haben noch # unbenutzte Codes}}. Sobald Sie angemeldet sind, können Sie neue Codes erstellen.',
        NOT_YOU,
      ],
    },
    'recovery-codes-regenerated': {
      subject: 'Neue Wiederherstellungscodes wurden erstellt',
      body: [
        'Für Ihr {appName}-Konto wurden soeben neue Wiederherstellungscodes erstellt; die bisherigen Codes sind nicht mehr gültig.',
        NOT_YOU,
      ],
    },
    'passkey-added': {
      subject: 'Ihrem Konto wurde ein Passkey hinzugefügt',
      body: [
        'Ihrem {appName}-Konto wurde soeben ein neuer Passkey hinzugefügt: Damit ist jetzt eine Anmeldung ohne Passwort möglich.',
        'Falls Sie das nicht waren, melden Sie sich an, entfernen Sie den Passkey aus Ihrem Konto und ändern Sie Ihr Passwort.',
      ],
    },
    'passkey-removed': {
      subject: 'Aus Ihrem Konto wurde ein Passkey entfernt',
      body: [
        'Aus Ihrem {appName}-Konto wurde soeben ein Passkey entfernt: Mit ihm ist keine Anmeldung mehr möglich.',
        'Falls Sie das nicht waren, ändern Sie Ihr Passwort und prüfen Sie die Passkeys und Sitzungen Ihres Kontos.',
      ],
    },
    'account-reclaimed': {
      subject: 'Ihr Konto gehört wieder Ihnen',
      body: [
        'Sie haben soeben bestätigt, dass {email} Ihre Adresse ist. Vorher hätte jemand, der keinen Zugriff auf dieses Postfach hat, Ihr {appName}-Konto nutzen können. Deshalb haben wir entfernt, was diese Person hinzugefügt haben könnte:',
        { list: 'removed' },
        'Sonst hat sich nichts geändert. Melden Sie sich wie gewohnt an; falls Sie die Bestätigung in zwei Schritten oder Passkeys verwenden, richten Sie diese bitte neu ein.',
      ],
    },
    'second-factor-failed': {
      subject: 'Jemand hat Ihr Passwort eingegeben',
      body: [
        'Soeben hat jemand das richtige Passwort für Ihr {appName}-Konto eingegeben, aber nicht den Code aus dem zweiten Schritt. Die Anmeldung wurde deshalb nicht durchgeführt.',
        'Falls Sie es waren, müssen Sie nichts tun. Falls nicht, kennt jemand Ihr Passwort: Ändern Sie es jetzt.',
      ],
    },
    'org-invitation': {
      subject: 'Einladung zur Organisation {orgName}',
      body: [
        '{inviter} hat Sie ({email}) eingeladen, der Organisation {orgName} bei {appName} beizutreten. Die Einladung ist {ttl} lang gültig. Um sie anzunehmen, melden Sie sich mit dieser Adresse an (ohne Konto registrieren Sie sich zuerst) und öffnen Sie die Einladung.',
        { link: 'Einladung öffnen' },
        'Wenn Sie den Absender nicht kennen, ignorieren Sie diese E-Mail: Ohne Ihre Zustimmung passiert nichts.',
      ],
    },
    'email-change-confirm': {
      subject: 'Bestätigen Sie Ihre neue E-Mail-Adresse',
      body: [
        'Jemand (hoffentlich Sie) möchte {email} als Adresse seines {appName}-Kontos verwenden. Zur Bestätigung öffnen Sie diesen Link; er funktioniert einmal und ist {ttl} lang gültig.',
        { link: 'Diese Adresse bestätigen' },
        CODE_INSTEAD,
        'Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Es ändert sich nichts.',
      ],
    },
    'email-change-confirm-old': {
      subject: 'Bestätigen Sie die Änderung Ihrer E-Mail-Adresse',
      body: [
        'Jemand (hoffentlich Sie) möchte die Adresse Ihres {appName}-Kontos von {email} in {newEmail} ändern. Beide Adressen müssen die Änderung bestätigen; dies ist die Bestätigung für {email}. Der Link funktioniert einmal und ist {ttl} lang gültig.',
        { link: 'Änderung bestätigen' },
        'Falls Sie das nicht waren, öffnen Sie den Link nicht, sondern ändern Sie sofort Ihr Passwort (oder lassen Sie das Passwort für {email} zurücksetzen). Damit wird auch die Änderung abgebrochen.',
      ],
    },
    'email-change-requested': {
      subject: 'Eine Änderung Ihrer E-Mail-Adresse wurde angefordert',
      body: [
        'Jemand (hoffentlich Sie) möchte die Adresse Ihres {appName}-Kontos von {email} in {newEmail} ändern. Es ändert sich nichts, solange die neue Adresse die Änderung nicht bestätigt hat.',
        'Falls Sie das nicht waren, ändern Sie jetzt Ihr Passwort (oder lassen Sie das Passwort für {email} zurücksetzen): Damit wird die Änderung abgebrochen, und alle anderen werden abgemeldet.',
      ],
    },
    'email-change-taken': {
      subject: 'Jemand wollte ein Konto auf Ihre Adresse umstellen',
      body: [
        'Jemand wollte die Adresse eines anderen {appName}-Kontos in {email} ändern. Für diese Adresse gibt es bereits ein Konto. Es wurde nichts geändert, und Ihr Konto ist nicht betroffen.',
        'Falls Sie es waren, melden Sie sich stattdessen beim Konto von {email} an, oder löschen Sie zuerst eines der beiden Konten.',
      ],
    },
    'email-changed': {
      subject: 'Ihre E-Mail-Adresse wurde geändert',
      body: [
        'Die Adresse Ihres {appName}-Kontos wurde von {email} in {newEmail} geändert, und alle anderen angemeldeten Sitzungen wurden beendet. E-Mails zu Ihrem Konto gehen ab jetzt an {newEmail}.',
        'Falls Sie das nicht waren, lassen Sie sofort das Passwort für {newEmail} zurücksetzen oder wenden Sie sich an den Support.',
      ],
    },
  },
  linkLine: '{label}: {link}',
  removed: {
    passkeys: '{count, plural, one {# Passkey} other {# Passkeys}}',
    totp: 'Bestätigung in zwei Schritten (Authenticator-App)',
    'recovery-codes':
      '{count, plural, one {# Wiederherstellungscode} other {# Wiederherstellungscodes}}',
    sessions: '{count, plural, one {# angemeldete Sitzung} other {# angemeldete Sitzungen}}',
    'unverified-links':
      '{count, plural, one {# Verknüpfung mit einem sozialen Konto} other {# Verknüpfungen mit sozialen Konten}}',
  },
};
