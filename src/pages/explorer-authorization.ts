/**
 * Preset as the Authorization header in the development explorers (Apollo Sandbox, GraphiQL); the
 * placeholder is no token, so requests stay anonymous until a real accessToken is pasted over it.
 */
export const EXPLORER_AUTHORIZATION = 'Bearer <accessToken from signIn>';
