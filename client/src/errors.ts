/** One GraphQL error as the server sends it. */
export interface GraphQLErrorJSON {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/**
 * Every failure of the client: `code` is the server's `extensions.code` (UNAUTHENTICATED,
 * MFA_REQUIRED, TOO_MANY_REQUESTS, …) or NETWORK_ERROR when no GraphQL answer arrived.
 */
export class AuthqlError extends Error {
  readonly code: string;
  /** TOO_MANY_REQUESTS: seconds to wait. */
  readonly retryAfter?: number;
  /** MFA_REQUIRED: the ticket completeSignIn takes. */
  readonly mfaTicket?: string;
  /** MFA_REQUIRED: the second factors completeSignIn accepts (TOTP, RECOVERY_CODE). */
  readonly methods?: string[];
  /** HTTP status, when an answer arrived. */
  readonly status?: number;
  /** Every GraphQL error of the answer (the first one gave `code`). */
  readonly errors: GraphQLErrorJSON[];

  constructor(
    code: string,
    message: string,
    details: { status?: number; errors?: GraphQLErrorJSON[]; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AuthqlError';
    this.code = code;
    this.status = details.status;
    this.errors = details.errors ?? [];
    const ext = this.errors[0]?.extensions ?? {};
    if (typeof ext.retryAfter === 'number') this.retryAfter = ext.retryAfter;
    if (typeof ext.mfaTicket === 'string') this.mfaTicket = ext.mfaTicket;
    if (Array.isArray(ext.methods)) this.methods = ext.methods.map(String);
  }

  /** From a GraphQL answer's `errors`. */
  static fromErrors(errors: GraphQLErrorJSON[], status?: number): AuthqlError {
    const first = errors[0]!;
    const code = first.extensions?.code;
    return new AuthqlError(
      typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
      first.message,
      { status, errors },
    );
  }
}

export const isAuthqlError = (err: unknown, code?: string): err is AuthqlError =>
  err instanceof AuthqlError && (code === undefined || err.code === code);
