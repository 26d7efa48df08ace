import type { AuthqlUserFragment } from './generated/graphql';

// Types both the client and its passkey helpers return: a leaf, so neither imports the other for them.

export type AuthqlUser = AuthqlUserFragment;

export type SignInResult =
  | { status: 'signed-in'; user: AuthqlUser }
  | { status: 'mfa-required'; ticket: string; methods: string[] };
