/**
 * The built-in pages' words, one catalog per language, as ICU messages. English names the keys; every
 * other language must have them all (the type says so, a test checks no English is left in them).
 * Apostrophes are typographic (’): in ICU a straight one before `{` would quote it.
 */
const en = {
  activateTitle: 'Activate your account',
  activateIntro: 'Press the button to activate the account this link was sent for.',
  activateButton: 'Activate my account',
  activatedTitle: 'Account activated',
  activatedHeading: 'Your account is activated',
  activatedNotice: '{email} is ready.',
  activatedText: 'You can close this page and sign in with your email address and password.',
  activationExpiredHeading: 'This activation link has expired',
  activationExpiredText:
    'Activation links work for a limited time. Enter your email address and we will send you a new one.',
  linkUsedHeading: 'This link has already been used',
  activationUsedText:
    'Each link works once, and a newer link replaces older ones. If you already activated your account, just sign in. Otherwise, ask for a new link:',
  resendTitle: 'Send a new activation link',
  emailLabel: 'Email address',
  invalidEmail: 'Enter a valid email address.',
  resendButton: 'Send a new link',
  resendSentTitle: 'Check your inbox',
  resendSentNotice:
    'If the address is registered and waiting for activation, a new link is on its way.',
  resendSentText:
    'It can take a minute; look in the spam folder too. The new link replaces the old ones.',
  ruleMin: 'At least {min} characters; long passphrases with spaces are welcome.',
  ruleMax: 'At most {max} bytes ({max} plain letters, fewer with accents or emoji).',
  ruleCommon: 'Not one of the most common passwords, and not your email address.',
  resetTitle: 'Choose a new password',
  newPasswordLabel: 'New password',
  newPasswordAgainLabel: 'New password, again',
  resetButton: 'Set new password',
  passwordsDiffer: 'The two passwords differ: type the same one twice.',
  passwordRejected: 'This password cannot be used:',
  resetDoneTitle: 'Password changed',
  resetDoneHeading: 'Your password has been changed',
  resetDoneNotice: 'Every session was signed out.',
  resetDoneText: 'You can close this page and sign in with your new password.',
  resetExpiredHeading: 'This reset link has expired',
  resetExpiredText:
    'Reset links work for a limited time. Ask for a new one from the app where you sign in.',
  resetUsedText:
    'Each link works once, a newer link replaces older ones, and a password change ends them all. Ask for a new one from the app where you sign in.',
  confirmEmailTitle: 'Confirm your email address',
  confirmEmailHeading: 'Confirm the change of your email address',
  confirmEmailIntro: 'Press the button to confirm the change of address this link was sent for.',
  confirmEmailButton: 'Confirm the change',
  emailConfirmedTitle: 'Email address confirmed',
  emailConfirmedHeading: 'Thank you for confirming',
  emailConfirmedNotice: 'The address of the account is now {email}.',
  emailConfirmedText:
    'If a confirmation from the other address is still needed, open the link mailed there too. You can close this page.',
  emailChangeExpiredHeading: 'This confirmation link has expired',
  emailChangeExpiredText:
    'Confirmation links work for a limited time. Ask for the change again from the app where you sign in.',
  emailChangeUsedHeading: 'This link cannot be used',
  emailChangeUsedText:
    'Each link works once, and a newer request or a password change ends it. Ask for the change again from the app where you sign in.',
  refusedHeading: 'This form could not be verified',
  refusedText:
    'It was sent from another site, or it was open for too long. Open the link from your email again.',
  missingLinkHeading: 'This link is incomplete',
  missingLinkText:
    'The link has no token. Open it again from your email, or copy the whole address into the browser.',
  tooManyHeading: 'Too many attempts',
  tooManyText:
    '{seconds, plural, one {Please wait # second and try again.} other {Please wait # seconds and try again.}}',
  failedHeading: 'Something went wrong',
  failedText: 'Please try again in a moment.',
  unreadableHeading: 'This request could not be read',
  unreadableText: 'Open the link from your email again.',
};

export type PageKey = keyof typeof en;
export type PageCatalog = Readonly<Record<PageKey, string>>;

const de: PageCatalog = {
  activateTitle: 'Konto aktivieren',
  activateIntro:
    'Klicken Sie auf die Schaltfläche, um das Konto zu aktivieren, für das dieser Link verschickt wurde.',
  activateButton: 'Mein Konto aktivieren',
  activatedTitle: 'Konto aktiviert',
  activatedHeading: 'Ihr Konto ist aktiviert',
  activatedNotice: 'Das Konto {email} ist startklar.',
  activatedText:
    'Sie können diese Seite schließen und sich mit Ihrer E-Mail-Adresse und Ihrem Passwort anmelden.',
  activationExpiredHeading: 'Dieser Aktivierungslink ist abgelaufen',
  activationExpiredText:
    'Aktivierungslinks sind nur begrenzt gültig. Geben Sie Ihre E-Mail-Adresse ein, dann schicken wir Ihnen einen neuen.',
  linkUsedHeading: 'Dieser Link wurde bereits verwendet',
  activationUsedText:
    'Jeder Link funktioniert nur einmal, und ein neuerer Link ersetzt die älteren. Wenn Sie Ihr Konto schon aktiviert haben, melden Sie sich einfach an. Andernfalls fordern Sie einen neuen Link an:',
  resendTitle: 'Neuen Aktivierungslink anfordern',
  emailLabel: 'E-Mail-Adresse',
  invalidEmail: 'Geben Sie eine gültige E-Mail-Adresse ein.',
  resendButton: 'Neuen Link senden',
  resendSentTitle: 'Sehen Sie in Ihrem Postfach nach',
  resendSentNotice:
    'Wenn die Adresse registriert ist und auf die Aktivierung wartet, ist ein neuer Link unterwegs.',
  resendSentText:
    'Das kann eine Minute dauern; sehen Sie auch im Spam-Ordner nach. Der neue Link ersetzt die alten.',
  ruleMin: 'Mindestens {min} Zeichen; lange Passphrasen mit Leerzeichen sind willkommen.',
  ruleMax:
    'Höchstens {max} Bytes ({max} einfache Buchstaben, weniger mit Umlauten, Akzenten oder Emojis).',
  ruleCommon: 'Keines der häufigsten Passwörter und nicht Ihre E-Mail-Adresse.',
  resetTitle: 'Neues Passwort festlegen',
  newPasswordLabel: 'Neues Passwort',
  newPasswordAgainLabel: 'Neues Passwort wiederholen',
  resetButton: 'Passwort speichern',
  passwordsDiffer: 'Die beiden Passwörter stimmen nicht überein: Geben Sie zweimal dasselbe ein.',
  passwordRejected: 'Dieses Passwort kann nicht verwendet werden:',
  resetDoneTitle: 'Passwort geändert',
  resetDoneHeading: 'Ihr Passwort wurde geändert',
  resetDoneNotice: 'Alle Sitzungen wurden abgemeldet.',
  resetDoneText: 'Sie können diese Seite schließen und sich mit Ihrem neuen Passwort anmelden.',
  resetExpiredHeading: 'Dieser Link zum Zurücksetzen ist abgelaufen',
  resetExpiredText:
    'Links zum Zurücksetzen sind nur begrenzt gültig. Fordern Sie in der App, in der Sie sich anmelden, einen neuen an.',
  resetUsedText:
    'Jeder Link funktioniert nur einmal, ein neuerer Link ersetzt die älteren, und eine Passwortänderung macht alle ungültig. Fordern Sie in der App, in der Sie sich anmelden, einen neuen an.',
  confirmEmailTitle: 'E-Mail-Adresse bestätigen',
  confirmEmailHeading: 'Bestätigen Sie die Änderung Ihrer E-Mail-Adresse',
  confirmEmailIntro:
    'Klicken Sie auf die Schaltfläche, um die Adressänderung zu bestätigen, für die dieser Link verschickt wurde.',
  confirmEmailButton: 'Änderung bestätigen',
  emailConfirmedTitle: 'E-Mail-Adresse bestätigt',
  emailConfirmedHeading: 'Vielen Dank für Ihre Bestätigung',
  emailConfirmedNotice: 'Die Adresse des Kontos lautet jetzt {email}.',
  emailConfirmedText:
    'Falls noch eine Bestätigung von der anderen Adresse fehlt, öffnen Sie auch den Link, der dorthin geschickt wurde. Sie können diese Seite schließen.',
  emailChangeExpiredHeading: 'Dieser Bestätigungslink ist abgelaufen',
  emailChangeExpiredText:
    'Bestätigungslinks sind nur begrenzt gültig. Fordern Sie die Änderung in der App, in der Sie sich anmelden, erneut an.',
  emailChangeUsedHeading: 'Dieser Link kann nicht verwendet werden',
  emailChangeUsedText:
    'Jeder Link funktioniert nur einmal, und eine neuere Anfrage oder eine Passwortänderung macht ihn ungültig. Fordern Sie die Änderung in der App, in der Sie sich anmelden, erneut an.',
  refusedHeading: 'Dieses Formular konnte nicht geprüft werden',
  refusedText:
    'Es wurde von einer anderen Website gesendet oder war zu lange geöffnet. Öffnen Sie den Link aus Ihrer E-Mail erneut.',
  missingLinkHeading: 'Dieser Link ist unvollständig',
  missingLinkText:
    'Dem Link fehlt das Token. Öffnen Sie ihn erneut aus Ihrer E-Mail, oder kopieren Sie die vollständige Adresse in den Browser.',
  tooManyHeading: 'Zu viele Versuche',
  tooManyText:
    '{seconds, plural, one {Bitte warten Sie # Sekunde und versuchen Sie es dann erneut.} other {Bitte warten Sie # Sekunden und versuchen Sie es dann erneut.}}',
  failedHeading: 'Etwas ist schiefgegangen',
  failedText: 'Bitte versuchen Sie es gleich noch einmal.',
  unreadableHeading: 'Diese Anfrage konnte nicht gelesen werden',
  unreadableText: 'Öffnen Sie den Link aus Ihrer E-Mail erneut.',
};

const fr: PageCatalog = {
  activateTitle: 'Activez votre compte',
  activateIntro: 'Cliquez sur le bouton pour activer le compte auquel ce lien est destiné.',
  activateButton: 'Activer mon compte',
  activatedTitle: 'Compte activé',
  activatedHeading: 'Votre compte est activé',
  activatedNotice: 'Le compte {email} est prêt.',
  activatedText:
    'Vous pouvez fermer cette page et vous connecter avec votre adresse e-mail et votre mot de passe.',
  activationExpiredHeading: 'Ce lien d’activation a expiré',
  activationExpiredText:
    'Les liens d’activation ne sont valables qu’un temps. Saisissez votre adresse e-mail et nous vous en enverrons un nouveau.',
  linkUsedHeading: 'Ce lien a déjà été utilisé',
  activationUsedText:
    'Chaque lien ne fonctionne qu’une fois, et un lien plus récent remplace les précédents. Si vous avez déjà activé votre compte, connectez-vous simplement. Sinon, demandez un nouveau lien\u00a0:',
  resendTitle: 'Recevoir un nouveau lien d’activation',
  emailLabel: 'Adresse e-mail',
  invalidEmail: 'Saisissez une adresse e-mail valide.',
  resendButton: 'Envoyer un nouveau lien',
  resendSentTitle: 'Consultez votre boîte de réception',
  resendSentNotice:
    'Si l’adresse est inscrite et en attente d’activation, un nouveau lien est en route.',
  resendSentText:
    'Cela peut prendre une minute\u00a0; pensez à regarder dans les courriers indésirables. Le nouveau lien remplace les anciens.',
  ruleMin:
    'Au moins {min} caractères\u00a0; les longues phrases de passe avec des espaces sont les bienvenues.',
  ruleMax: 'Au plus {max} octets ({max} lettres simples, moins avec des accents ou des emoji).',
  ruleCommon: 'Ni l’un des mots de passe les plus courants, ni votre adresse e-mail.',
  resetTitle: 'Choisissez un nouveau mot de passe',
  newPasswordLabel: 'Nouveau mot de passe',
  newPasswordAgainLabel: 'Confirmez le nouveau mot de passe',
  resetButton: 'Enregistrer le mot de passe',
  passwordsDiffer: 'Les deux mots de passe sont différents\u00a0: saisissez deux fois le même.',
  passwordRejected: 'Ce mot de passe ne peut pas être utilisé\u00a0:',
  resetDoneTitle: 'Mot de passe modifié',
  resetDoneHeading: 'Votre mot de passe a été modifié',
  resetDoneNotice: 'Toutes les sessions ont été déconnectées.',
  resetDoneText: 'Vous pouvez fermer cette page et vous connecter avec votre nouveau mot de passe.',
  resetExpiredHeading: 'Ce lien de réinitialisation a expiré',
  resetExpiredText:
    'Les liens de réinitialisation ne sont valables qu’un temps. Demandez-en un nouveau depuis l’application où vous vous connectez.',
  resetUsedText:
    'Chaque lien ne fonctionne qu’une fois, un lien plus récent remplace les précédents, et un changement de mot de passe les annule tous. Demandez-en un nouveau depuis l’application où vous vous connectez.',
  confirmEmailTitle: 'Confirmez votre adresse e-mail',
  confirmEmailHeading: 'Confirmez le changement de votre adresse e-mail',
  confirmEmailIntro:
    'Cliquez sur le bouton pour confirmer le changement d’adresse auquel ce lien est destiné.',
  confirmEmailButton: 'Confirmer le changement',
  emailConfirmedTitle: 'Adresse e-mail confirmée',
  emailConfirmedHeading: 'Merci de votre confirmation',
  emailConfirmedNotice: 'L’adresse du compte est désormais {email}.',
  emailConfirmedText:
    'Si une confirmation depuis l’autre adresse est encore nécessaire, ouvrez aussi le lien envoyé à celle-ci. Vous pouvez fermer cette page.',
  emailChangeExpiredHeading: 'Ce lien de confirmation a expiré',
  emailChangeExpiredText:
    'Les liens de confirmation ne sont valables qu’un temps. Redemandez le changement depuis l’application où vous vous connectez.',
  emailChangeUsedHeading: 'Ce lien ne peut pas être utilisé',
  emailChangeUsedText:
    'Chaque lien ne fonctionne qu’une fois, et une demande plus récente ou un changement de mot de passe l’annule. Redemandez le changement depuis l’application où vous vous connectez.',
  refusedHeading: 'Ce formulaire n’a pas pu être vérifié',
  refusedText:
    'Il a été envoyé depuis un autre site, ou il est resté ouvert trop longtemps. Rouvrez le lien reçu par e-mail.',
  missingLinkHeading: 'Ce lien est incomplet',
  missingLinkText:
    'Il manque le jeton dans ce lien. Rouvrez-le depuis votre e-mail, ou copiez l’adresse complète dans le navigateur.',
  tooManyHeading: 'Trop de tentatives',
  tooManyText:
    '{seconds, plural, one {Veuillez patienter # seconde, puis réessayez.} other {Veuillez patienter # secondes, puis réessayez.}}',
  failedHeading: 'Une erreur s’est produite',
  failedText: 'Veuillez réessayer dans un instant.',
  unreadableHeading: 'Cette requête n’a pas pu être lue',
  unreadableText: 'Rouvrez le lien reçu par e-mail.',
};

const es: PageCatalog = {
  activateTitle: 'Active su cuenta',
  activateIntro: 'Pulse el botón para activar la cuenta a la que corresponde este enlace.',
  activateButton: 'Activar mi cuenta',
  activatedTitle: 'Cuenta activada',
  activatedHeading: 'Su cuenta está activada',
  activatedNotice: 'La cuenta {email} ya está lista.',
  activatedText:
    'Puede cerrar esta página e iniciar sesión con su dirección de correo y su contraseña.',
  activationExpiredHeading: 'Este enlace de activación ha caducado',
  activationExpiredText:
    'Los enlaces de activación solo son válidos durante un tiempo. Introduzca su dirección de correo y le enviaremos uno nuevo.',
  linkUsedHeading: 'Este enlace ya se ha usado',
  activationUsedText:
    'Cada enlace funciona una sola vez, y uno más reciente sustituye a los anteriores. Si ya activó su cuenta, simplemente inicie sesión. Si no, solicite un enlace nuevo:',
  resendTitle: 'Recibir un nuevo enlace de activación',
  emailLabel: 'Dirección de correo',
  invalidEmail: 'Introduzca una dirección de correo válida.',
  resendButton: 'Enviar un enlace nuevo',
  resendSentTitle: 'Revise su bandeja de entrada',
  resendSentNotice:
    'Si la dirección está registrada y pendiente de activación, le hemos enviado un enlace nuevo.',
  resendSentText:
    'Puede tardar un minuto; mire también en la carpeta de correo no deseado. El enlace nuevo sustituye a los anteriores.',
  ruleMin:
    'Al menos {min} caracteres; las frases de contraseña largas con espacios son bienvenidas.',
  ruleMax: 'Como máximo {max} bytes ({max} letras sin tilde, menos con tildes o emojis).',
  ruleCommon: 'Que no sea una de las contraseñas más comunes ni su dirección de correo.',
  resetTitle: 'Elija una nueva contraseña',
  newPasswordLabel: 'Nueva contraseña',
  newPasswordAgainLabel: 'Repita la nueva contraseña',
  resetButton: 'Guardar la contraseña',
  passwordsDiffer: 'Las dos contraseñas no coinciden: escriba la misma dos veces.',
  passwordRejected: 'No se puede usar esta contraseña:',
  resetDoneTitle: 'Contraseña cambiada',
  resetDoneHeading: 'Se ha cambiado su contraseña',
  resetDoneNotice: 'Se han cerrado todas las sesiones.',
  resetDoneText: 'Puede cerrar esta página e iniciar sesión con su nueva contraseña.',
  resetExpiredHeading: 'Este enlace para restablecer la contraseña ha caducado',
  resetExpiredText:
    'Los enlaces para restablecer la contraseña solo son válidos durante un tiempo. Solicite uno nuevo desde la aplicación en la que inicia sesión.',
  resetUsedText:
    'Cada enlace funciona una sola vez, uno más reciente sustituye a los anteriores y un cambio de contraseña los anula todos. Solicite uno nuevo desde la aplicación en la que inicia sesión.',
  confirmEmailTitle: 'Confirme su dirección de correo',
  confirmEmailHeading: 'Confirme el cambio de su dirección de correo',
  confirmEmailIntro:
    'Pulse el botón para confirmar el cambio de dirección al que corresponde este enlace.',
  confirmEmailButton: 'Confirmar el cambio',
  emailConfirmedTitle: 'Dirección de correo confirmada',
  emailConfirmedHeading: 'Gracias por su confirmación',
  emailConfirmedNotice: 'La dirección de la cuenta es ahora {email}.',
  emailConfirmedText:
    'Si todavía falta la confirmación desde la otra dirección, abra también el enlace que se envió allí. Puede cerrar esta página.',
  emailChangeExpiredHeading: 'Este enlace de confirmación ha caducado',
  emailChangeExpiredText:
    'Los enlaces de confirmación solo son válidos durante un tiempo. Vuelva a solicitar el cambio desde la aplicación en la que inicia sesión.',
  emailChangeUsedHeading: 'Este enlace no se puede usar',
  emailChangeUsedText:
    'Cada enlace funciona una sola vez, y una solicitud más reciente o un cambio de contraseña lo anulan. Vuelva a solicitar el cambio desde la aplicación en la que inicia sesión.',
  refusedHeading: 'No se ha podido verificar este formulario',
  refusedText:
    'Se envió desde otro sitio o estuvo abierto demasiado tiempo. Vuelva a abrir el enlace de su correo.',
  missingLinkHeading: 'Este enlace está incompleto',
  missingLinkText:
    'Al enlace le falta el token. Vuelva a abrirlo desde su correo o copie la dirección completa en el navegador.',
  tooManyHeading: 'Demasiados intentos',
  tooManyText:
    '{seconds, plural, one {Espere # segundo y vuelva a intentarlo.} other {Espere # segundos y vuelva a intentarlo.}}',
  failedHeading: 'Algo ha salido mal',
  failedText: 'Vuelva a intentarlo en un momento.',
  unreadableHeading: 'No se ha podido leer esta solicitud',
  unreadableText: 'Vuelva a abrir el enlace de su correo.',
};

export const PAGE_CATALOGS: Readonly<Record<string, PageCatalog>> = { en, de, fr, es };
