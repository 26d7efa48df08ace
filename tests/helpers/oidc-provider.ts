import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import { freePort } from './inbox';

export interface TestAccount {
  email?: string;
  emailVerified?: boolean;
}

/**
 * A real OpenID provider (panva's certified oidc-provider) on loopback, in the test process, with
 * signing keys of the test's own (so native ID tokens can be minted with jose) and accounts the test
 * registers. Its interaction step signs in `nextLogin` without a page (null: the user declines).
 */
export class TestOpenIdProvider {
  readonly accounts = new Map<string, TestAccount>();
  private subjects = 0;

  /** A provider account with a fresh subject (so no test sees another's links); returns the subject. */
  account(email: string | undefined, emailVerified = true): string {
    const sub = `sub-${process.pid}-${++this.subjects}`;
    this.accounts.set(sub, { email, emailVerified });
    return sub;
  }
  nextLogin: string | null = null;
  private provider: Provider | null = null;
  private server: Server | null = null;

  private constructor(
    readonly issuer: string,
    readonly port: number,
    readonly privateKey: CryptoKey,
    readonly kid: string,
    private readonly publicJwk: Record<string, unknown>,
  ) {}

  /** Picks the port first, so the app's configuration can name the issuer before the provider runs. */
  static async prepare(): Promise<TestOpenIdProvider> {
    const port = await freePort();
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `test-${randomBytes(4).toString('hex')}`;
    const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
    return new TestOpenIdProvider(`http://127.0.0.1:${port}`, port, privateKey, kid, jwk);
  }

  /**
   * The environment of a test server that uses this provider as `test` with `client`. Development
   * mode, as users run it there: production refuses the provider's http:// issuer.
   */
  serverEnv(client: { clientId: string; clientSecret: string }): Record<string, string> {
    return {
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      OAUTH_TEST_ISSUER: this.issuer,
      OAUTH_TEST_CLIENT_ID: client.clientId,
      OAUTH_TEST_CLIENT_SECRET: client.clientSecret,
      OAUTH_ALLOW_HTTP_ISSUERS: 'true',
    };
  }

  /** Starts serving `client`, registered with the callback of `server` for the provider `test`. */
  startFor(server: { origin: string }, client: { clientId: string; clientSecret: string }) {
    return this.start({ ...client, redirectUri: `${server.origin}/oauth/test/callback` });
  }

  /** Starts serving, with one confidential client whose redirect URI is the app's callback. */
  async start(client: { clientId: string; clientSecret: string; redirectUri: string }) {
    const accounts = this.accounts;
    this.provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          redirect_uris: [client.redirectUri],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [this.publicJwk as never] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        Grant: 600,
        IdToken: 600,
        Interaction: 600,
        Session: 600,
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, sub) => {
        const account = accounts.get(sub);
        if (!account) return undefined;
        return {
          accountId: sub,
          claims: () => ({
            sub,
            ...(account.email ? { email: account.email } : {}),
            email_verified: account.emailVerified ?? false,
          }),
        };
      },
    });
    const handle = this.provider.callback();
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/interaction/')) {
        this.interact(req, res).catch((err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        });
        return;
      }
      void handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    return this;
  }

  /** Signs an ID token as this provider does (or with `key`/`kid` of someone else's). */
  async mintIdToken(
    claims: JWTPayload & { aud: string | string[]; sub: string },
    options: {
      key?: CryptoKey;
      kid?: string;
      expiresInSec?: number;
      iatOffsetSec?: number;
      /** The exact `iat` (seconds), instead of now plus iatOffsetSec. */
      issuedAt?: number;
    } = {},
  ): Promise<string> {
    const now = options.issuedAt ?? Math.floor(Date.now() / 1000) + (options.iatOffsetSec ?? 0);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? this.kid })
      .setIssuer(this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInSec ?? 600))
      .sign(options.key ?? this.privateKey);
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }

  // The login and consent steps, answered at once: login as nextLogin, grant what was asked.
  private async interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const provider = this.provider!;
    const details = await provider.interactionDetails(req, res);
    if (this.nextLogin === null) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user declined.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: this.nextLogin } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = new provider.Grant({
      accountId: details.session!.accountId,
      clientId: details.params.client_id as string,
    });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }
}
