import type { MailCatalog } from './types';

// Apostrophes are typographic (’): in ICU MessageFormat a straight one before `{` would quote it.
const CODE_INSTEAD =
  'Vous pouvez aussi saisir ce code dans l’application\u00a0: {code} (il expire dans {codeTtl}\u00a0; utiliser le lien ou le code rend les deux inutilisables).';
const NOT_YOU =
  'Si ce n’était pas vous, réinitialisez immédiatement votre mot de passe et contactez l’assistance.';

export const fr: MailCatalog = {
  templates: {
    activation: {
      subject: 'Activez votre compte',
      body: [
        'Bienvenue sur {appName}\u00a0! Confirmez votre adresse e-mail pour activer votre compte. Le lien ne fonctionne qu’une fois et expire dans {ttl}.',
        { link: 'Activer mon compte' },
        CODE_INSTEAD,
      ],
    },
    'activation-choose-password': {
      subject: 'Activez votre compte',
      body: [
        'Quelqu’un (vous, espérons-le) a demandé un nouveau lien d’activation pour le compte {appName} de {email}. Pour l’activer, choisissez son mot de passe\u00a0: le lien ne fonctionne qu’une fois et expire dans {ttl}.',
        'Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail\u00a0: rien ne change.',
        { link: 'Choisir mon mot de passe' },
        'Vous pouvez aussi saisir ce code dans l’application avec votre nouveau mot de passe\u00a0: {code} (il expire dans {codeTtl}\u00a0; utiliser le lien ou le code rend les deux inutilisables).',
      ],
    },
    'already-registered': {
      subject: 'Quelqu’un a tenté de s’inscrire avec votre adresse',
      body: [
        'Quelqu’un (peut-être vous) a tenté de créer un compte {appName} avec l’adresse {email}, qui a déjà un compte actif.',
        'Si c’était vous, connectez-vous simplement\u00a0; si vous avez oublié votre mot de passe, demandez sa réinitialisation. Sinon, vous pouvez ignorer cet e-mail\u00a0: rien n’a été modifié.',
      ],
    },
    'reset-password': {
      subject: 'Réinitialisez votre mot de passe',
      body: [
        'Quelqu’un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre compte {appName}. Le lien ne fonctionne qu’une fois et expire dans {ttl}.',
        'Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail\u00a0: votre mot de passe reste inchangé.',
        { link: 'Choisir un nouveau mot de passe' },
        CODE_INSTEAD,
      ],
    },
    'password-changed': {
      subject: 'Votre mot de passe a été modifié',
      body: [
        'Le mot de passe de votre compte {appName} vient d’être modifié, et vos autres sessions ont été déconnectées.',
        NOT_YOU,
      ],
    },
    'refresh-reuse': {
      subject: 'Une session a été fermée par précaution',
      body: [
        'Un ancien jeton de renouvellement de l’une de vos sessions {appName} a été présenté une seconde fois, ce qui peut signifier qu’il a été copié. Nous avons fermé cette session.',
        'Si vous ne vous y attendiez pas, changez votre mot de passe.',
      ],
    },
    'account-deleted': {
      subject: 'Votre compte a été supprimé',
      body: [
        'Comme vous l’avez demandé, votre compte {appName} et toutes ses sessions ont été supprimés. Vous pouvez vous réinscrire avec cette adresse à tout moment.',
      ],
    },
    'sign-in-code': {
      subject: 'Votre code de connexion',
      body: [
        'Votre code de connexion {appName} est {code}. Il ne fonctionne qu’une fois et expire dans {codeTtl}.',
        'Si vous ne l’avez pas demandé, ignorez cet e-mail\u00a0: personne ne peut se connecter sans ce code.',
      ],
    },
    'totp-enabled': {
      subject: 'La validation en deux étapes est activée',
      body: [
        'La validation en deux étapes vient d’être activée pour votre compte {appName}\u00a0: la connexion demande désormais aussi un code de votre application d’authentification. Conservez vos codes de récupération en lieu sûr.',
        NOT_YOU,
      ],
    },
    'totp-disabled': {
      subject: 'La validation en deux étapes est désactivée',
      body: [
        'La validation en deux étapes vient d’être désactivée pour votre compte {appName}\u00a0: la connexion ne demande plus de code, et vos codes de récupération ne fonctionnent plus.',
        NOT_YOU,
      ],
    },
    'recovery-code-used': {
      subject: 'Un code de récupération a servi à vous connecter',
      body: [
        'L’un de vos codes de récupération {appName} vient de servir à une connexion. Il ne peut plus être utilisé\u00a0; {remaining, plural, =0 {il ne vous reste aucun code inutilisé} one {il vous reste # code inutilisé} other {il vous reste # codes inutilisés}}. Une fois connecté, vous pouvez en générer une nouvelle série.',
        NOT_YOU,
      ],
    },
    'recovery-codes-regenerated': {
      subject: 'De nouveaux codes de récupération ont été générés',
      body: [
        'Une nouvelle série de codes de récupération vient d’être générée pour votre compte {appName}\u00a0; les anciens codes ne fonctionnent plus.',
        NOT_YOU,
      ],
    },
    'passkey-added': {
      subject: 'Une clé d’accès a été ajoutée à votre compte',
      body: [
        'Une nouvelle clé d’accès vient d’être ajoutée à votre compte {appName}\u00a0: elle permet désormais de se connecter sans mot de passe.',
        'Si ce n’était pas vous, connectez-vous, supprimez cette clé d’accès de votre compte et changez votre mot de passe.',
      ],
    },
    'passkey-removed': {
      subject: 'Une clé d’accès a été retirée de votre compte',
      body: [
        'Une clé d’accès vient d’être retirée de votre compte {appName}\u00a0: elle ne permet plus de se connecter.',
        'Si ce n’était pas vous, changez votre mot de passe et vérifiez les clés d’accès et les sessions de votre compte.',
      ],
    },
    'account-reclaimed': {
      subject: 'Votre compte est de nouveau le vôtre',
      body: [
        'Vous venez de prouver que {email} est bien votre adresse. Auparavant, une personne n’ayant pas accès à cette boîte aux lettres aurait pu utiliser votre compte {appName}\u00a0; nous avons donc supprimé ce qu’elle aurait pu ajouter\u00a0:',
        { list: 'removed' },
        'Rien d’autre n’a changé. Connectez-vous comme d’habitude\u00a0; si vous utilisez la validation en deux étapes ou des clés d’accès, configurez-les à nouveau.',
      ],
    },
    'second-factor-failed': {
      subject: 'Quelqu’un a saisi votre mot de passe',
      body: [
        'Quelqu’un vient de saisir le bon mot de passe de votre compte {appName}, mais pas le code de la deuxième étape\u00a0: la connexion a donc été refusée.',
        'Si c’était vous, vous n’avez rien à faire. Sinon, quelqu’un connaît votre mot de passe\u00a0: changez-le dès maintenant.',
      ],
    },
    'org-invitation': {
      subject: 'Invitation à rejoindre {orgName}',
      body: [
        '{inviter} vous ({email}) invite à rejoindre l’organisation {orgName} sur {appName}. L’invitation expire dans {ttl}. Pour l’accepter, connectez-vous avec cette adresse (inscrivez-vous d’abord si vous n’avez pas de compte), puis ouvrez l’invitation.',
        { link: 'Ouvrir l’invitation' },
        'Si vous ne connaissez pas l’expéditeur, ignorez cet e-mail\u00a0: rien ne se passe tant que vous n’acceptez pas.',
      ],
    },
    'email-change-confirm': {
      subject: 'Confirmez votre nouvelle adresse e-mail',
      body: [
        'Quelqu’un (vous, espérons-le) souhaite utiliser {email} comme adresse de son compte {appName}. Pour confirmer, ouvrez ce lien\u00a0; il ne fonctionne qu’une fois et expire dans {ttl}.',
        { link: 'Confirmer cette adresse' },
        CODE_INSTEAD,
        'Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail\u00a0: rien ne change.',
      ],
    },
    'email-change-confirm-old': {
      subject: 'Confirmez le changement de votre adresse e-mail',
      body: [
        'Quelqu’un (vous, espérons-le) souhaite remplacer l’adresse de votre compte {appName}, {email}, par {newEmail}. Le changement doit être confirmé depuis les deux adresses\u00a0; ce message est celui destiné à {email}. Le lien ne fonctionne qu’une fois et expire dans {ttl}.',
        { link: 'Confirmer le changement' },
        'Si ce n’était pas vous, n’ouvrez pas le lien\u00a0: changez immédiatement votre mot de passe (ou demandez la réinitialisation du mot de passe de {email}), ce qui annule aussi le changement.',
      ],
    },
    'email-change-requested': {
      subject: 'Un changement de votre adresse e-mail a été demandé',
      body: [
        'Quelqu’un (vous, espérons-le) souhaite remplacer l’adresse de votre compte {appName}, {email}, par {newEmail}. Rien ne change tant que la nouvelle adresse ne l’a pas confirmé.',
        'Si ce n’était pas vous, changez votre mot de passe dès maintenant (ou demandez la réinitialisation du mot de passe de {email})\u00a0: cela annule le changement et déconnecte tous les autres appareils.',
      ],
    },
    'email-change-taken': {
      subject: 'Quelqu’un a tenté de transférer un compte vers votre adresse',
      body: [
        'Quelqu’un a tenté de remplacer l’adresse d’un autre compte {appName} par {email}, qui a déjà un compte. Rien n’a été modifié, et votre compte n’est pas concerné.',
        'Si c’était vous, connectez-vous plutôt au compte de {email}, ou supprimez d’abord l’un des deux comptes.',
      ],
    },
    'email-changed': {
      subject: 'Votre adresse e-mail a été modifiée',
      body: [
        'L’adresse de votre compte {appName} est passée de {email} à {newEmail}, et toutes les autres sessions ouvertes ont été fermées. Les e-mails concernant ce compte sont désormais envoyés à {newEmail}.',
        'Si ce n’était pas vous, demandez immédiatement la réinitialisation du mot de passe de {newEmail} ou contactez l’assistance.',
      ],
    },
  },
  linkLine: '{label}\u00a0: {link}',
  removed: {
    passkeys: '{count, plural, one {# clé d’accès} other {# clés d’accès}}',
    totp: 'la validation en deux étapes (application d’authentification)',
    'recovery-codes':
      '{count, plural, one {# code de récupération} other {# codes de récupération}}',
    sessions: '{count, plural, one {# session ouverte} other {# sessions ouvertes}}',
    'unverified-links':
      '{count, plural, one {# liaison à un compte de réseau social} other {# liaisons à des comptes de réseaux sociaux}}',
  },
};
