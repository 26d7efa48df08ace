import { loadConfig } from '../src/config';
import { configProblems, tempDataDir } from './helpers/config';
import { codeOf } from './helpers/flows';
import { captureLog } from './helpers/log';
import { startTestServer } from './helpers/server';

const APK = `android:apk-key-hash:${'A'.repeat(42)}w`;
const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: tempDataDir(), ...env });

describe('WEBAUTHN_* configuration', () => {
  it('defaults to the host and origin of APP_URL and the name of APP_NAME', () => {
    expect(load({ APP_URL: 'https://app.example.com/', APP_NAME: 'Acme' }).webauthn).toEqual({
      rpId: 'app.example.com',
      rpName: 'Acme',
      origins: ['https://app.example.com'],
    });
    expect(load({}).webauthn).toEqual({
      rpId: 'localhost',
      rpName: 'authql',
      origins: ['http://localhost:4000'],
    });
  });

  it('takes a parent domain, subdomain origins and Android app origins', () => {
    const config = load({
      APP_URL: 'myapp://auth',
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_RP_NAME: 'Example',
      WEBAUTHN_ORIGINS: `https://example.com, https://login.example.com:8443,${APK}`,
    });
    expect(config.webauthn).toEqual({
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://example.com', 'https://login.example.com:8443', APK],
    });
  });

  it('leaves passkeys off when APP_URL is no web page on a domain and nothing is set', () => {
    expect(load({ APP_URL: 'myapp://auth' }).webauthn).toBeNull();
    expect(load({ APP_URL: 'http://127.0.0.1:4000' }).webauthn).toBeNull();
  });

  it.each([
    [{ WEBAUTHN_RP_ID: 'https://example.com' }, 'WEBAUTHN_RP_ID must be a lower-case domain name'],
    [{ WEBAUTHN_RP_ID: 'Example.com' }, 'WEBAUTHN_RP_ID must be a lower-case domain name'],
    [{ WEBAUTHN_RP_ID: 'example.com:443' }, 'WEBAUTHN_RP_ID must be a lower-case domain name'],
    [{ WEBAUTHN_RP_ID: '10.0.0.1' }, 'WEBAUTHN_RP_ID must be a lower-case domain name'],
    [
      { APP_URL: 'myapp://auth', WEBAUTHN_ORIGINS: 'https://example.com' },
      'WEBAUTHN_RP_ID is required when APP_URL is not a web URL',
    ],
    [
      { APP_URL: 'https://app.other.org', WEBAUTHN_RP_ID: 'example.com' },
      'WEBAUTHN_ORIGINS is required: APP_URL is not a web page on example.com',
    ],
    [
      { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com/login' },
      'WEBAUTHN_ORIGINS: "https://example.com/login" is neither an origin',
    ],
    [
      { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'http://example.com' },
      'WEBAUTHN_ORIGINS: "http://example.com" must be https (http only on localhost)',
    ],
    [
      { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com.evil.net' },
      'WEBAUTHN_ORIGINS: "https://example.com.evil.net" is not on WEBAUTHN_RP_ID example.com',
    ],
    [
      { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://badexample.com' },
      'WEBAUTHN_ORIGINS: "https://badexample.com" is not on WEBAUTHN_RP_ID example.com',
    ],
    [
      { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'android:apk-key-hash:short' },
      'WEBAUTHN_ORIGINS: "android:apk-key-hash:short" is neither an origin',
    ],
    [{ WEBAUTHN_RP_NAME: 'two\nlines' }, 'WEBAUTHN_RP_NAME must be one line'],
  ])('refuses %j with one clear message', (env, message) => {
    const problems = configProblems(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('names every bad origin at once', () => {
    const problems = configProblems({
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://example.com,http://example.com,https://evil.net',
    });
    expect(problems).toHaveLength(2);
  });
});

describe('a server whose passkeys are off', () => {
  it('says so at boot, and answers the passkey operations with a masked error', async () => {
    const { logger, lines } = captureLog('info');
    const server = await startTestServer({ APP_URL: 'myapp://auth' }, { logger });
    try {
      expect(lines.join('')).toContain('passkeys are off');
      const res = await server.gql(`mutation { startPasskeySignIn { challengeId } }`);
      expect(codeOf(res)).toBe('INTERNAL_SERVER_ERROR');
      expect(res.errors![0]!.message).toBe('Internal server error.');
    } finally {
      await server.close();
    }
  });
});
