import type { EntityManager } from '@mikro-orm/core';
import { sha256 } from '../tokens/random';
import { User } from '../users/user.entity';
import type { ProviderIdentity } from './oauth-providers';
import { OAuthState, OAuthStateKind } from './oauth-state.entity';

/** The codes the callback hands the app: each mutation spends either, and accepts only its own. */
export const CODE_KINDS = [OAuthStateKind.CODE, OAuthStateKind.LINK_CODE];

/** What one state row holds; only the fields of its kind are given. */
export interface NewOAuthState {
  kind: OAuthStateKind;
  provider: string;
  user?: string | null;
  redirectTo?: string;
  appState?: string;
  codeVerifier?: string;
  nonce?: string;
  appCodeChallenge?: string | null;
  browserHash?: string;
  identity?: ProviderIdentity;
  ttlMs: number;
}

/** Stores a state row under the SHA-256 of its handle (the secret the browser or app holds). */
export async function saveState(
  em: EntityManager,
  handle: string,
  fields: NewOAuthState,
): Promise<void> {
  const now = Date.now();
  // Expired rows are deleted by housekeeping (oauth-cleanups.ts).
  await em.insert(OAuthState, {
    id: sha256(handle),
    kind: fields.kind,
    provider: fields.provider,
    user: fields.user ? em.getReference(User, fields.user) : null,
    redirectTo: fields.redirectTo ?? null,
    appState: fields.appState ?? null,
    codeVerifier: fields.codeVerifier ?? null,
    nonce: fields.nonce ?? null,
    appCodeChallenge: fields.appCodeChallenge ?? null,
    browserHash: fields.browserHash ?? null,
    subject: fields.identity?.subject ?? null,
    email: fields.identity?.email ?? null,
    emailVerified: fields.identity?.emailVerified ?? null,
    expiresAt: new Date(now + fields.ttlMs),
    createdAt: new Date(now),
  });
}

/** Reads and deletes a state row; only the caller whose delete removed it gets it (once, atomically). */
export async function consumeState(
  em: EntityManager,
  handle: string,
  kind: OAuthStateKind | OAuthStateKind[],
  provider: string | null,
): Promise<OAuthState | null> {
  const where = {
    id: sha256(handle),
    kind: Array.isArray(kind) ? { $in: kind } : kind,
    ...(provider ? { provider } : {}),
  };
  const row = await em.findOne(OAuthState, where, { refresh: true });
  if (!row) return null;
  const deleted = await em.nativeDelete(OAuthState, where);
  return deleted === 1 ? row : null;
}
