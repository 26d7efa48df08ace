import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/** Signing algorithms authql accepts for asymmetric keys: one per key type, so the key pins its algorithm. */
export type AsymmetricAlgorithm = 'RS256' | 'ES256';

export interface PublicJwk {
  kty: string;
  kid: string;
  alg: AsymmetricAlgorithm;
  use: 'sig';
  [param: string]: string;
}

export interface VerificationKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  key: KeyObject;
  jwk: PublicJwk;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const MIN_RSA_BITS = 2048;

/** Environment files often carry PEMs on one line with literal `\n`: accept both forms. */
export function normalizePem(value: string): string {
  return value.replace(/\\n/g, '\n').trim();
}

function algorithmOf(key: KeyObject): AsymmetricAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS)
      throw new Error(`an RSA key must have at least ${MIN_RSA_BITS} bits`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  throw new Error('only RSA (RS256, 2048 bits or more) and EC P-256 (ES256) keys are supported');
}

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order. */
function thumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The public half as a verification key: kid is its RFC 7638 thumbprint, as other JWKS clients compute it. */
export function verificationKey(publicKey: KeyObject): VerificationKey {
  const alg = algorithmOf(publicKey);
  const exported = publicKey.export({ format: 'jwk' });
  const kid = thumbprint(exported);
  const params = Object.fromEntries(
    Object.entries(exported).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;
  return { kid, alg, key: publicKey, jwk: { ...params, kty: exported.kty!, kid, alg, use: 'sig' } };
}

/** Parses a PEM private key (PKCS#8, PKCS#1 or SEC1). Throws an Error whose message says what is wrong. */
export function parsePrivateKey(pem: string): {
  privateKey: KeyObject;
  verification: VerificationKey;
} {
  const text = normalizePem(pem);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
    throw new Error('must be a PEM private key (-----BEGIN PRIVATE KEY-----)');
  if (/ENCRYPTED/.test(text)) throw new Error('must not be encrypted (no passphrase)');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new Error('is not a readable PEM private key');
  }
  return { privateKey, verification: verificationKey(createPublicKey(privateKey)) };
}

/** Parses concatenated PEM public key blocks. Throws an Error naming the block that is wrong. */
export function parsePublicKeys(pems: string): VerificationKey[] {
  const text = normalizePem(pems);
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error('must hold one or more PEM public key blocks');
  const outside = text.replace(PEM_BLOCK, '').trim();
  if (outside) throw new Error('holds text outside the PEM blocks');
  return blocks.map((block, i) => {
    if (/PRIVATE KEY-----/.test(block))
      throw new Error(`block ${i + 1} is a private key: put only public keys here`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: block, format: 'pem' });
    } catch {
      throw new Error(`block ${i + 1} is not a readable PEM public key`);
    }
    try {
      return verificationKey(publicKey);
    } catch (err) {
      throw new Error(`block ${i + 1}: ${(err as Error).message}`);
    }
  });
}

/** A secret for authql's own HMACs (emailed tokens, refresh rotation) when only a private key is configured. */
export function deriveInternalSecret(privateKey: KeyObject): string {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return createHmac('sha256', der).update('authql internal hmac v1').digest('base64url');
}

export function generateSigningKeyPair(alg: AsymmetricAlgorithm): {
  privatePem: string;
  publicPem: string;
  kid: string;
} {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    kid: verificationKey(publicKey).kid,
  };
}
