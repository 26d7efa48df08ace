export {
  createAuthqlClient,
  type AuthqlClient,
  type AuthqlClientOptions,
  type AuthqlUser,
  type SignInResult,
} from './client';
export { AuthqlError, isAuthqlError, type GraphQLErrorJSON } from './errors';
export type { Passkeys, RegisteredPasskey } from './passkeys';
export { localStorageAdapter, memoryStorage, type TokenStorage } from './storage';
export type { Document, FetchLike } from './transport';
export type * as Schema from './generated/graphql';
