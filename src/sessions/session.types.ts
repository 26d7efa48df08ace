import type { User } from '../users/user.entity';

/** Who sent a request, as sessions and security logs record it. A leaf: every layer may name it. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** What a completed sign-in, refresh or switch answers: the AuthPayload before GraphQL. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: User;
}
