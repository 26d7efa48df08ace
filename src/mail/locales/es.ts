import type { MailCatalog } from './types';

const CODE_INSTEAD =
  'También puede introducir este código en la aplicación: {code} (caduca en {codeTtl}; al usar el enlace o el código, ambos dejan de ser válidos).';
const NOT_YOU =
  'Si no ha sido usted, restablezca su contraseña de inmediato y póngase en contacto con el soporte.';

export const es: MailCatalog = {
  templates: {
    activation: {
      subject: 'Active su cuenta',
      body: [
        '¡Le damos la bienvenida a {appName}! Confirme su dirección de correo electrónico para activar su cuenta. El enlace funciona una sola vez y caduca en {ttl}.',
        { link: 'Activar mi cuenta' },
        CODE_INSTEAD,
      ],
    },
    'activation-choose-password': {
      subject: 'Active su cuenta',
      body: [
        'Alguien (esperamos que usted) ha pedido un nuevo enlace de activación para la cuenta de {appName} de {email}. Para activarla, elija su contraseña: el enlace funciona una sola vez y caduca en {ttl}.',
        'Si no lo ha pedido usted, ignore este correo: no cambia nada.',
        { link: 'Elegir mi contraseña' },
        'También puede introducir este código en la aplicación junto con su nueva contraseña: {code} (caduca en {codeTtl}; al usar el enlace o el código, ambos dejan de ser válidos).',
      ],
    },
    'already-registered': {
      subject: 'Alguien ha intentado registrarse con su dirección',
      body: [
        'Alguien (quizá usted) ha intentado crear una cuenta de {appName} con {email}, que ya tiene una cuenta activa.',
        'Si ha sido usted, simplemente inicie sesión; si ha olvidado su contraseña, solicite restablecerla. Si no ha sido usted, puede ignorar este correo: no se ha cambiado nada.',
      ],
    },
    'reset-password': {
      subject: 'Restablezca su contraseña',
      body: [
        'Alguien (esperamos que usted) ha pedido restablecer la contraseña de su cuenta de {appName}. El enlace funciona una sola vez y caduca en {ttl}.',
        'Si no lo ha pedido usted, ignore este correo: su contraseña sigue siendo la misma.',
        { link: 'Elegir una nueva contraseña' },
        CODE_INSTEAD,
      ],
    },
    'password-changed': {
      subject: 'Se ha cambiado su contraseña',
      body: [
        'Se acaba de cambiar la contraseña de su cuenta de {appName} y se han cerrado sus demás sesiones.',
        NOT_YOU,
      ],
    },
    'refresh-reuse': {
      subject: 'Hemos cerrado una sesión por su seguridad',
      body: [
        'Se ha vuelto a presentar un token de actualización antiguo de una de sus sesiones de {appName}, lo que puede indicar que alguien lo ha copiado. Hemos cerrado esa sesión.',
        'Si no se lo esperaba, cambie su contraseña.',
      ],
    },
    'account-deleted': {
      subject: 'Se ha eliminado su cuenta',
      body: [
        'Tal como pidió, se han eliminado su cuenta de {appName} y todas sus sesiones. Puede volver a registrarse con esta dirección cuando quiera.',
      ],
    },
    'sign-in-code': {
      subject: 'Su código de inicio de sesión',
      body: [
        'Su código de inicio de sesión de {appName} es {code}. Funciona una sola vez y caduca en {codeTtl}.',
        'Si no lo ha pedido usted, ignore este correo: nadie puede iniciar sesión sin el código.',
      ],
    },
    'totp-enabled': {
      subject: 'La verificación en dos pasos está activada',
      body: [
        'Se acaba de activar la verificación en dos pasos en su cuenta de {appName}: a partir de ahora, al iniciar sesión también se le pedirá un código de su aplicación de autenticación. Guarde sus códigos de recuperación en un lugar seguro.',
        NOT_YOU,
      ],
    },
    'totp-disabled': {
      subject: 'La verificación en dos pasos está desactivada',
      body: [
        'Se acaba de desactivar la verificación en dos pasos en su cuenta de {appName}: al iniciar sesión ya no se le pedirá ningún código y sus códigos de recuperación han dejado de funcionar.',
        NOT_YOU,
      ],
    },
    'recovery-code-used': {
      subject: 'Se ha usado un código de recuperación para iniciar sesión',
      body: [
        'Se acaba de usar uno de sus códigos de recuperación de {appName} para iniciar sesión. No se puede volver a usar; {remaining, plural, =0 {no le queda ningún código sin usar} one {le queda # código sin usar} other {le quedan # códigos sin usar}}. Una vez que haya iniciado sesión, puede generar un juego nuevo.',
        NOT_YOU,
      ],
    },
    'recovery-codes-regenerated': {
      subject: 'Se han generado nuevos códigos de recuperación',
      body: [
        'Se acaba de generar un nuevo juego de códigos de recuperación para su cuenta de {appName}; los códigos anteriores ya no funcionan.',
        NOT_YOU,
      ],
    },
    'passkey-added': {
      subject: 'Se ha añadido una llave de acceso a su cuenta',
      body: [
        'Se acaba de añadir una nueva llave de acceso a su cuenta de {appName}: ahora permite iniciar sesión sin contraseña.',
        'Si no ha sido usted, inicie sesión, quite la llave de acceso de su cuenta y cambie su contraseña.',
      ],
    },
    'passkey-removed': {
      subject: 'Se ha quitado una llave de acceso de su cuenta',
      body: [
        'Se acaba de quitar una llave de acceso de su cuenta de {appName}: ya no permite iniciar sesión.',
        'Si no ha sido usted, cambie su contraseña y revise las llaves de acceso y las sesiones de su cuenta.',
      ],
    },
    'account-reclaimed': {
      subject: 'Su cuenta vuelve a ser suya',
      body: [
        'Acaba de demostrar que {email} es su dirección. Antes, alguien sin acceso a este buzón podría haber usado su cuenta de {appName}, así que hemos eliminado lo que esa persona podría haber añadido:',
        { list: 'removed' },
        'No ha cambiado nada más. Inicie sesión como de costumbre; si usa la verificación en dos pasos o llaves de acceso, vuelva a configurarlas.',
      ],
    },
    'second-factor-failed': {
      subject: 'Alguien ha introducido su contraseña',
      body: [
        'Alguien acaba de introducir la contraseña correcta de su cuenta de {appName}, pero no el código del segundo paso, por lo que no ha podido iniciar sesión.',
        'Si ha sido usted, no tiene que hacer nada. Si no, alguien conoce su contraseña: cámbiela ahora.',
      ],
    },
    'org-invitation': {
      subject: 'Invitación para unirse a {orgName}',
      body: [
        '{inviter} le ha invitado ({email}) a unirse a la organización {orgName} en {appName}. La invitación caduca en {ttl}. Para aceptarla, inicie sesión con esta dirección (si no tiene cuenta, regístrese primero) y abra la invitación.',
        { link: 'Abrir la invitación' },
        'Si no conoce al remitente, ignore este correo: no ocurrirá nada a menos que acepte.',
      ],
    },
    'email-change-confirm': {
      subject: 'Confirme su nueva dirección de correo',
      body: [
        'Alguien (esperamos que usted) ha pedido usar {email} como dirección de su cuenta de {appName}. Para confirmarlo, abra este enlace; funciona una sola vez y caduca en {ttl}.',
        { link: 'Confirmar esta dirección' },
        CODE_INSTEAD,
        'Si no lo ha pedido usted, ignore este correo: no cambia nada.',
      ],
    },
    'email-change-confirm-old': {
      subject: 'Confirme el cambio de su dirección de correo',
      body: [
        'Alguien (esperamos que usted) ha pedido cambiar la dirección de su cuenta de {appName} de {email} a {newEmail}. El cambio debe confirmarse desde ambas direcciones; este es el mensaje para {email}. El enlace funciona una sola vez y caduca en {ttl}.',
        { link: 'Confirmar el cambio' },
        'Si no ha sido usted, no abra el enlace: cambie su contraseña de inmediato (o solicite restablecer la contraseña de {email}), lo que también cancela el cambio.',
      ],
    },
    'email-change-requested': {
      subject: 'Se ha solicitado cambiar su dirección de correo',
      body: [
        'Alguien (esperamos que usted) ha pedido cambiar la dirección de su cuenta de {appName} de {email} a {newEmail}. No cambiará nada hasta que la nueva dirección lo confirme.',
        'Si no ha sido usted, cambie su contraseña ahora (o solicite restablecer la contraseña de {email}): así se cancela el cambio y se cierran todas las demás sesiones.',
      ],
    },
    'email-change-taken': {
      subject: 'Alguien ha intentado trasladar una cuenta a su dirección',
      body: [
        'Alguien ha intentado cambiar la dirección de otra cuenta de {appName} a {email}, que ya tiene una cuenta. No se ha cambiado nada y su cuenta no se ve afectada.',
        'Si ha sido usted, inicie sesión en la cuenta de {email}, o elimine primero una de las dos cuentas.',
      ],
    },
    'email-changed': {
      subject: 'Se ha cambiado su dirección de correo',
      body: [
        'La dirección de su cuenta de {appName} ha cambiado de {email} a {newEmail} y se han cerrado todas las demás sesiones iniciadas. A partir de ahora, los correos sobre la cuenta se envían a {newEmail}.',
        'Si no ha sido usted, solicite de inmediato restablecer la contraseña de {newEmail} o póngase en contacto con el soporte.',
      ],
    },
  },
  linkLine: '{label}: {link}',
  removed: {
    passkeys: '{count, plural, one {# llave de acceso} other {# llaves de acceso}}',
    totp: 'la verificación en dos pasos (aplicación de autenticación)',
    'recovery-codes':
      '{count, plural, one {# código de recuperación} other {# códigos de recuperación}}',
    sessions: '{count, plural, one {# sesión iniciada} other {# sesiones iniciadas}}',
    'unverified-links':
      '{count, plural, one {# vínculo con una red social} other {# vínculos con redes sociales}}',
  },
};
