import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';

export enum OAuthStateKind {
  /** A web flow between `start` and `callback`: PKCE verifier, nonce, where to return. */
  FLOW = 'flow',
  /** Made by startOAuthLink: the signed-in user the link code of a following flow is made for. */
  LINK = 'link',
  /** The one-time code the callback hands the app, swapped by exchangeOAuthCode. */
  CODE = 'code',
  /**
   * The one-time code a linking callback hands the app, spent by finishOAuthLink: it carries the
   * verified identity, linked only when the ticket's own user presents it (not whoever opened the URL).
   */
  LINK_CODE = 'link_code',
}

/**
 * Short-lived server-side state of social sign-in. The key is the SHA-256 of the secret handle the
 * browser or app holds (state, link ticket, code), so a leaked table gives nothing usable. Each row is
 * used once: consuming it deletes it.
 */
@Entity({ tableName: 'oauth_states' })
export class OAuthState {
  [OptionalProps]?: 'createdAt';

  /** sha256 (hex) of the handle. */
  @PrimaryKey({ type: 'string', length: 64 })
  id!: string;

  @Enum({ items: () => OAuthStateKind })
  kind!: OAuthStateKind;

  @Property({ type: 'string', length: 32 })
  provider!: string;

  /** CODE: who signs in; LINK, a linking FLOW and LINK_CODE: who the provider is linked to. */
  // Spelled out: the migrations index it on both dialects; MikroORM adds one by itself only on SQLite.
  @ManyToOne(() => User, { deleteRule: 'cascade', nullable: true, index: true })
  user: User | null = null;

  @Property({ type: 'text', nullable: true })
  redirectTo: string | null = null;

  /** The app's own `state`, echoed back on redirect_to so the app can tell its flows from forged ones. */
  @Property({ type: 'text', nullable: true })
  appState: string | null = null;

  @Property({ type: 'string', length: 128, nullable: true })
  codeVerifier: string | null = null;

  @Property({ type: 'string', length: 128, nullable: true })
  nonce: string | null = null;

  /**
   * FLOW and CODE: the app's own PKCE `code_challenge` (S256) given at start; exchangeOAuthCode then
   * demands its verifier, so only the app that started the flow can spend the code (RFC 8252).
   */
  @Property({ type: 'string', length: 128, nullable: true })
  appCodeChallenge: string | null = null;

  /** sha256 of the value of the cookie `start` set: the callback must come from that same browser. */
  @Property({ type: 'string', length: 64, nullable: true })
  browserHash: string | null = null;

  /** LINK_CODE: the identity the provider verified at the callback (sub, email, email_verified). */
  @Property({ type: 'string', length: 255, nullable: true })
  subject: string | null = null;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'boolean', nullable: true })
  emailVerified: boolean | null = null;

  @Property({ type: Date, index: true })
  expiresAt!: Date;

  @Property({ type: Date })
  createdAt: Date = new Date();
}
