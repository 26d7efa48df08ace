// The passkey example: plain browser JavaScript, @simplewebauthn/browser (UMD bundle) and authql's
// GraphQL API on the same origin (/graphql). Tokens are kept in memory only.
'use strict';

const { startRegistration, startAuthentication, browserSupportsWebAuthn } = SimpleWebAuthnBrowser;

const CHALLENGE = 'challengeId options';
const PAYLOAD = 'accessToken refreshToken expiresIn user { id email }';

/** What the page did last; the end-to-end test reads it (a replay must be refused). */
const demo = { session: null, last: null };
window.passkeyDemo = demo;

const $ = (id) => document.getElementById(id);

async function gql(query, variables = {}) {
  const headers = { 'content-type': 'application/json' };
  if (demo.session) headers.authorization = `Bearer ${demo.session.accessToken}`;
  const res = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors?.length) {
    const [error] = body.errors;
    throw Object.assign(new Error(error.message), { code: error.extensions?.code ?? 'ERROR' });
  }
  return body.data;
}

function show(message, state) {
  $('status').textContent = message;
  $('status').dataset.state = state;
}

function signedIn(payload, how) {
  demo.session = payload;
  $('who').textContent = `Signed in as ${payload.user.email} (${how}).`;
}

async function signInWithPassword() {
  const data = await gql(
    `mutation ($input: SignInInput!) { signIn(input: $input) { ${PAYLOAD} } }`,
    {
      input: { email: $('email').value, password: $('password').value },
    },
  );
  signedIn(data.signIn, 'password');
  return 'Signed in with your password.';
}

async function addPasskey() {
  const start = await gql(`mutation { startPasskeyRegistration { ${CHALLENGE} } }`);
  const { challengeId, options } = start.startPasskeyRegistration;
  const response = await startRegistration({ optionsJSON: options });
  demo.last = { kind: 'registration', challengeId, response };
  const data = await gql(
    `mutation ($challengeId: ID!, $response: JSON!, $name: String) {
      finishPasskeyRegistration(challengeId: $challengeId, response: $response, name: $name) { id name }
    }`,
    { challengeId, response, name: $('passkey-name').value || null },
  );
  await listPasskeys();
  return `Passkey "${data.finishPasskeyRegistration.name}" added.`;
}

async function signInWithPasskey(withEmail) {
  const start = await gql(
    `mutation ($email: String) { startPasskeySignIn(email: $email) { ${CHALLENGE} } }`,
    { email: withEmail ? $('email').value : null },
  );
  const { challengeId, options } = start.startPasskeySignIn;
  const response = await startAuthentication({ optionsJSON: options });
  demo.last = { kind: 'authentication', challengeId, response };
  const data = await gql(
    `mutation ($challengeId: ID!, $response: JSON!) {
      finishPasskeySignIn(challengeId: $challengeId, response: $response) { ${PAYLOAD} }
    }`,
    { challengeId, response },
  );
  signedIn(data.finishPasskeySignIn, 'passkey');
  return 'Signed in with a passkey.';
}

async function listPasskeys() {
  const data = await gql('{ passkeys { id name createdAt lastUsedAt } }');
  const list = $('passkeys');
  list.replaceChildren(
    ...data.passkeys.map((passkey) => {
      const item = document.createElement('li');
      item.dataset.id = passkey.id;
      const used = passkey.lastUsedAt ? `last used ${passkey.lastUsedAt}` : 'never used';
      item.textContent = `${passkey.name} (added ${passkey.createdAt}, ${used}) `;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Remove';
      remove.addEventListener('click', () =>
        run(async () => {
          await gql('mutation ($id: ID!) { deletePasskey(id: $id) }', { id: passkey.id });
          await listPasskeys();
          return `Passkey "${passkey.name}" removed.`;
        }),
      );
      item.append(remove);
      return item;
    }),
  );
  return `${data.passkeys.length} passkey(s).`;
}

/** Runs one action; the status line says how it ended (the error code, if it failed). */
async function run(action) {
  show('Working…', 'busy');
  try {
    show(await action(), 'ok');
  } catch (error) {
    show(`${error.code ?? error.name}: ${error.message}`, 'error');
  }
}

$('sign-in-password').addEventListener('click', () => run(signInWithPassword));
$('add-passkey').addEventListener('click', () => run(addPasskey));
$('list-passkeys').addEventListener('click', () => run(listPasskeys));
$('sign-in-passkey-email').addEventListener('click', () => run(() => signInWithPasskey(true)));
$('sign-in-passkey').addEventListener('click', () => run(() => signInWithPasskey(false)));
if (!browserSupportsWebAuthn()) show('This browser does not support passkeys (WebAuthn).', 'error');
