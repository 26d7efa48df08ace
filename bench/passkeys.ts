/**
 * `npm run bench:passkeys [-- --quick]`: what a passkey costs the server, per request.
 * 1. @simplewebauthn/server's verification alone, in this process: verifyRegistrationResponse and
 *    verifyAuthenticationResponse (ES256, `none` attestation), microseconds per call.
 * 2. Whole requests, one at a time, against a production authql (child process, SQLite): the start and
 *    finish mutations of registration and of sign-in, with `{ __typename }` as the floor of a request.
 * Answers come from a software authenticator (bench/soft-authenticator.ts). It reports; it never fails.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { JwtService } from '../src/tokens/jwt';
import { ServerSecrets } from '../src/tokens/secrets';
import { Role } from '../src/users/role';
import { percentile } from './load';
import { seedDatabase } from './seed';
import { serverEnv, startServer } from './server';
import { SoftAuthenticator } from './soft-authenticator';

const quick = process.argv.includes('--quick');
const LIBRARY_CALLS = quick ? 300 : 3000;
const REQUESTS = quick ? 100 : 1000;
const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:8080';

/** The fields of the mutations' answers the bench reads. */
interface Answer {
  challengeId: string;
  options: { challenge: string; user: { id: string } };
  id: string;
}

interface Stat {
  what: string;
  n: number;
  mean: number;
  p50: number;
  p99: number;
}

function stat(what: string, samples: number[]): Stat {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    what,
    n: samples.length,
    mean,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

async function timed<T>(samples: number[], work: () => Promise<T>): Promise<T> {
  const began = performance.now();
  const result = await work();
  samples.push(performance.now() - began);
  return result;
}

async function libraryCost(): Promise<Stat[]> {
  const authenticator = new SoftAuthenticator(RP_ID, ORIGIN);
  const creation = await generateRegistrationOptions({
    rpName: 'bench',
    rpID: RP_ID,
    userName: 'bench@bench.test',
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  const registration = authenticator.create(creation) as RegistrationResponseJSON;
  const request = await generateAuthenticationOptions({
    rpID: RP_ID,
    userVerification: 'required',
  });
  const assertion = authenticator.get(request) as AuthenticationResponseJSON;
  const verifiedRegistration = await verifyRegistrationResponse({
    response: registration,
    expectedChallenge: creation.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  const credential = verifiedRegistration.registrationInfo!.credential;
  const reg: number[] = [];
  const auth: number[] = [];
  for (let i = 0; i < LIBRARY_CALLS; i++) {
    await timed(reg, () =>
      verifyRegistrationResponse({
        response: registration,
        expectedChallenge: creation.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      }),
    );
    await timed(auth, async () => {
      const result = await verifyAuthenticationResponse({
        response: assertion,
        expectedChallenge: request.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential: { ...credential, counter: 0 },
      });
      if (!result.verified) throw new Error('assertion not verified');
    });
  }
  return [
    stat('verifyRegistrationResponse (library)', reg),
    stat('verifyAuthenticationResponse (library)', auth),
  ];
}

async function requestCost(): Promise<Stat[]> {
  const dir = mkdtempSync(join(tmpdir(), 'authql-bench-passkeys-'));
  const secret = randomBytes(48).toString('base64url');
  const dbPath = join(dir, 'bench.sqlite');
  const seeded = await seedDatabase(dbPath, dir, secret, 10, 1, await bcrypt.hash('x', 4));
  const jwt = new JwtService({
    secrets: new ServerSecrets(secret, []),
    issuer: 'authql',
    audience: 'authql',
    clockSkewSec: 30,
  });
  const { sessionId, userId } = seeded.sessions[0]!;
  const { token } = jwt.signAccess(
    { sub: userId, sid: sessionId, role: Role.USER, amr: ['pwd'], authTime: new Date() },
    3600,
  );
  const server = await startServer(
    'passkeys',
    serverEnv(secret, dbPath, dir, { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_ORIGINS: ORIGIN }),
  );
  const gql = async (query: string, variables: Record<string, unknown> = {}, auth = false) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as {
      data?: Record<string, Answer>;
      errors?: Array<{ message: string }>;
    };
    if (body.errors) throw new Error(`${query.slice(0, 40)}: ${body.errors[0]!.message}`);
    return body.data!;
  };
  const floor: number[] = [];
  const regStart: number[] = [];
  const regFinish: number[] = [];
  const signInStart: number[] = [];
  const signInFinish: number[] = [];
  try {
    for (let i = 0; i < 50; i++) await gql('{ __typename }'); // warm-up
    for (let i = 0; i < REQUESTS; i++) await timed(floor, () => gql('{ __typename }'));

    let kept: SoftAuthenticator | null = null;
    for (let i = 0; i < REQUESTS; i++) {
      const authenticator = new SoftAuthenticator(RP_ID, ORIGIN);
      const started = await timed(regStart, () =>
        gql('mutation { startPasskeyRegistration { challengeId options } }', {}, true),
      );
      const { challengeId, options } = started.startPasskeyRegistration;
      const added = await timed(regFinish, () =>
        gql(
          'mutation ($c: ID!, $r: JSON!) { finishPasskeyRegistration(challengeId: $c, response: $r) { id } }',
          { c: challengeId, r: authenticator.create(options) },
          true,
        ),
      );
      // Stay under the per-user cap: keep the first passkey for sign-in, remove the others.
      if (kept) {
        await gql(
          'mutation ($id: ID!) { deletePasskey(id: $id) }',
          { id: added.finishPasskeyRegistration.id },
          true,
        );
      } else kept = authenticator;
    }
    for (let i = 0; i < REQUESTS; i++) {
      const started = await timed(signInStart, () =>
        gql('mutation { startPasskeySignIn { challengeId options } }'),
      );
      const { challengeId, options } = started.startPasskeySignIn;
      await timed(signInFinish, () =>
        gql(
          'mutation ($c: ID!, $r: JSON!) { finishPasskeySignIn(challengeId: $c, response: $r) { accessToken } }',
          { c: challengeId, r: kept!.get(options) },
        ),
      );
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    stat('{ __typename } (floor)', floor),
    stat('startPasskeyRegistration', regStart),
    stat('finishPasskeyRegistration', regFinish),
    stat('startPasskeySignIn', signInStart),
    stat('finishPasskeySignIn', signInFinish),
  ];
}

async function main(): Promise<void> {
  const rows = [...(await libraryCost()), ...(await requestCost())];
  const ms = (v: number) => v.toFixed(3).padStart(8);
  console.log(
    `${'what'.padEnd(40)} ${'n'.padStart(5)} ${'mean ms'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
  );
  for (const r of rows)
    console.log(
      `${r.what.padEnd(40)} ${String(r.n).padStart(5)} ${ms(r.mean)} ${ms(r.p50)} ${ms(r.p99)}`,
    );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
