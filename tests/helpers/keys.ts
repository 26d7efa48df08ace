import { generateKeyPairSync } from 'node:crypto';

export interface TestKeyPair {
  alg: 'RS256' | 'ES256';
  privatePem: string;
  publicPem: string;
}

/** A fresh signing key pair in the PEM forms JWT_PRIVATE_KEY and JWT_PREVIOUS_PUBLIC_KEYS take. */
export function testKeyPair(alg: 'RS256' | 'ES256'): TestKeyPair {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    alg,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}
