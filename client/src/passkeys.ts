import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type { Document } from './transport';
import {
  FinishPasskeyRegistrationDocument,
  StartPasskeyRegistrationDocument,
  StartPasskeySignInDocument,
  type FinishPasskeyRegistrationMutation,
  type StartPasskeySignInMutation,
} from './generated/graphql';
import type { SignInResult } from './types';
import { post, textOf, type FetchLike } from './transport';

export type RegisteredPasskey = FinishPasskeyRegistrationMutation['finishPasskeyRegistration'];

/** Passkeys in browsers, through @simplewebauthn/browser (the platform's WebAuthn). */
export interface Passkeys {
  /** Creates a passkey for the signed-in user (needs a recent sign-in: REAUTHENTICATION_REQUIRED). */
  register(name?: string): Promise<RegisteredPasskey>;
  /** Signs in with a passkey; without email, any discoverable passkey of this site may answer. */
  signIn(email?: string): Promise<SignInResult>;
}

type Options = Parameters<typeof startRegistration>[0]['optionsJSON'];
type RequestOptions = Parameters<typeof startAuthentication>[0]['optionsJSON'];

export function createPasskeys(deps: {
  request<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables?: TVariables,
  ): Promise<TResult>;
  anonymous: { fetch: FetchLike; url: string };
  finishSignIn(challengeId: string, response: unknown): Promise<SignInResult>;
}): Passkeys {
  return {
    async register(name) {
      const { startPasskeyRegistration: start } = await deps.request(
        StartPasskeyRegistrationDocument,
      );
      const response = await startRegistration({ optionsJSON: start.options as Options });
      const done = await deps.request(FinishPasskeyRegistrationDocument, {
        challengeId: start.challengeId,
        response,
        name: name ?? null,
      });
      return done.finishPasskeyRegistration;
    },
    async signIn(email) {
      const { startPasskeySignIn: start } = await post<StartPasskeySignInMutation>(
        deps.anonymous.fetch,
        deps.anonymous.url,
        textOf(StartPasskeySignInDocument),
        { email: email ?? null },
      );
      const response = await startAuthentication({ optionsJSON: start.options as RequestOptions });
      return deps.finishSignIn(start.challengeId, response);
    },
  };
}
