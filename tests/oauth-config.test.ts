import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config';
import { loadMigrator } from '../src/database/orm';
import { OAuthState, OAuthStateKind } from '../src/oauth/oauth-state.entity';
import { configProblems, tempDataDir } from './helpers/config';
import { withFreshDatabase } from './helpers/fresh-database';
import { TEST_SECRET } from './helpers/server';

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: TEST_SECRET,
  SMTP_URL: 'smtp://127.0.0.1:2525',
};

describe('social sign-in configuration', () => {
  it('fills the issuer of the presets and reads the per-provider variables', () => {
    const config = loadConfig({
      DATA_DIR: tempDataDir(),
      OAUTH_PROVIDERS: 'Google, apple,acme-sso',
      OAUTH_GOOGLE_CLIENT_ID: 'g-id',
      OAUTH_GOOGLE_CLIENT_SECRET: 'g-secret',
      OAUTH_GOOGLE_AUDIENCES: 'android-id, ios-id',
      OAUTH_APPLE_CLIENT_ID: 'com.example.web',
      OAUTH_ACME_SSO_ISSUER: 'https://sso.acme.test/realms/main',
      OAUTH_ACME_SSO_CLIENT_ID: 'acme',
      OAUTH_REDIRECT_URLS: 'https://app.test/done, com.example.app:/oauth',
    });
    expect(config.oauth.providers).toEqual([
      {
        name: 'google',
        preset: 'google',
        issuer: 'https://accounts.google.com',
        clientId: 'g-id',
        clientSecret: 'g-secret',
        audiences: ['android-id', 'ios-id'],
      },
      {
        name: 'apple',
        preset: 'apple',
        issuer: 'https://appleid.apple.com',
        clientId: 'com.example.web',
        clientSecret: null,
        audiences: [],
      },
      {
        name: 'acme-sso',
        preset: null,
        issuer: 'https://sso.acme.test/realms/main',
        clientId: 'acme',
        clientSecret: null,
        audiences: [],
      },
    ]);
    expect(config.oauth.redirectUrls).toEqual(['https://app.test/done', 'com.example.app:/oauth']);
    expect(config.oauth.callbackBaseUrl).toBe('http://localhost:4000');
  });

  it('names every bad social sign-in variable', () => {
    expect(
      configProblems({
        OAUTH_PROVIDERS: 'acme,bad name,acme',
        OAUTH_REDIRECT_URLS: 'javascript:alert(1),https://app.test/#frag,not a url',
      }),
    ).toEqual([
      'OAUTH_ACME_ISSUER is required for provider "acme" (its OIDC issuer URL)',
      'OAUTH_ACME_CLIENT_ID is required for provider "acme"',
      'OAUTH_PROVIDERS: "bad name" must be a letter then letters, digits or - (at most 32)',
      'OAUTH_PROVIDERS names "acme" twice',
      'OAUTH_REDIRECT_URLS: "javascript:alert(1)" must be an absolute URL (web or app scheme) without a # fragment',
      'OAUTH_REDIRECT_URLS: "https://app.test/#frag" must be an absolute URL (web or app scheme) without a # fragment',
      'OAUTH_REDIRECT_URLS: "not a url" must be an absolute URL (web or app scheme) without a # fragment',
    ]);
    expect(
      configProblems({
        OAUTH_PROVIDERS: 'local',
        OAUTH_LOCAL_ISSUER: 'http://127.0.0.1:9999',
        OAUTH_LOCAL_CLIENT_ID: 'x',
      }),
    ).toEqual(['OAUTH_LOCAL_ISSUER must be an https:// URL (got "http://127.0.0.1:9999")']);
    expect(
      configProblems({
        APP_URL: 'myapp://auth',
        OAUTH_PROVIDERS: 'google',
        OAUTH_GOOGLE_CLIENT_ID: 'x',
      }),
    ).toEqual([
      'OAUTH_CALLBACK_BASE_URL is required when APP_URL is not an http(s) URL: the public URL of this server',
    ]);
  });

  it('refuses the test-only http issuer switch in production', () => {
    expect(configProblems({ ...PRODUCTION, OAUTH_ALLOW_HTTP_ISSUERS: 'true' })).toEqual([
      'OAUTH_ALLOW_HTTP_ISSUERS is for tests only and is refused in production',
    ]);
    expect(configProblems({ ...PRODUCTION })).toEqual([]);
  });
});

describe('password-less accounts migration', () => {
  it('makes password_hash nullable without touching existing users and their sessions', async () => {
    await withFreshDatabase(async (orm, config) => {
      const migrator = await loadMigrator(orm);
      await migrator.up({ to: 'Migration20261205000000' });
      const userId = randomUUID();
      const now = new Date();
      const conn = orm.em.getConnection();
      await conn.execute(
        'insert into users (id, email, password_hash, role, is_active, created_at, updated_at, password_changed_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
        [userId, 'old@example.com', '$2b$04$hash', 'USER', true, now, now, now],
      );
      await conn.execute(
        'insert into sessions (id, user_id, refresh_token_hash, generation, created_at, last_used_at, expires_at, amr) values (?, ?, ?, ?, ?, ?, ?, ?)',
        [randomUUID(), userId, 'f'.repeat(64), 0, now, now, now, 'pwd'],
      );
      await migrator.up();

      const users = await conn.execute('select email, password_hash from users');
      expect(users).toEqual([{ email: 'old@example.com', password_hash: '$2b$04$hash' }]);
      expect(await conn.execute('select user_id from sessions')).toEqual([{ user_id: userId }]);
      await conn.execute(
        'insert into users (id, email, password_hash, role, is_active, created_at, updated_at, password_changed_at) values (?, ?, null, ?, ?, ?, ?, ?)',
        [randomUUID(), 'social@example.com', 'USER', true, now, now, now],
      );
      if (config.database.driver === 'sqlite')
        expect(await conn.execute('pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    });
  });
});

describe('link codes migration', () => {
  it('adds the link_code kind and its identity columns, keeping the flows in progress', async () => {
    await withFreshDatabase(async (orm, config) => {
      const sqlite = config.database.driver === 'sqlite';
      const migrator = await loadMigrator(orm);
      await migrator.up({ to: 'Migration20261212000000' });
      const conn = orm.em.getConnection();
      const now = new Date();
      const later = new Date(now.getTime() + 600_000);
      const insertState = (id: string, kind: string) =>
        conn.execute(
          'insert into oauth_states (id, kind, provider, redirect_to, nonce, expires_at, created_at) values (?, ?, ?, ?, ?, ?, ?)',
          [id, kind, 'google', 'https://app.test/done', 'n-1', later, now],
        );
      const flow = 'f'.repeat(64);
      await insertState(flow, 'flow');
      await expect(insertState('1'.repeat(64), 'link_code')).rejects.toThrow();
      await migrator.up();

      const kept = 'select id, kind, provider, redirect_to, nonce from oauth_states';
      const flowRow = {
        id: flow,
        kind: 'flow',
        provider: 'google',
        redirect_to: 'https://app.test/done',
        nonce: 'n-1',
      };
      expect(await conn.execute(kept)).toEqual([flowRow]);
      const linkCode = 'c'.repeat(64);
      await orm.em.fork().insert(OAuthState, {
        id: linkCode,
        kind: OAuthStateKind.LINK_CODE,
        provider: 'google',
        subject: 'sub-1',
        email: 'someone@example.com',
        emailVerified: true,
        expiresAt: later,
        createdAt: now,
      });
      const row = await orm.em.fork().findOneOrFail(OAuthState, { id: linkCode });
      expect(row).toMatchObject({
        kind: OAuthStateKind.LINK_CODE,
        subject: 'sub-1',
        email: 'someone@example.com',
        emailVerified: true,
      });
      // The kind is still checked: only the four known kinds are stored.
      await expect(insertState('2'.repeat(64), 'other')).rejects.toThrow();
      const indexes = sqlite
        ? "select name from sqlite_master where type = 'index' and tbl_name = 'oauth_states' and name not like 'sqlite_%' order by name"
        : "select indexname as name from pg_indexes where tablename = 'oauth_states' and indexname like '%_index' order by indexname";
      expect(await conn.execute(indexes)).toEqual([
        { name: 'oauth_states_expires_at_index' },
        { name: 'oauth_states_user_id_index' },
      ]);
      if (sqlite) {
        expect(await conn.execute('pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
        expect(await conn.execute('pragma foreign_key_check')).toEqual([]);
      }

      // Down drops what it cannot represent (link codes) and keeps the rest.
      await migrator.down({ migrations: ['Migration20261213150000'] });
      expect(await conn.execute(kept)).toEqual([flowRow]);
      await migrator.up();
      expect(await conn.execute(kept)).toEqual([flowRow]);
    });
  });
});
