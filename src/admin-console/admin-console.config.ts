import { optionalBoolean, type EnvOf } from '../config-fields';

export const adminConsoleEnv = {
  // Unset: on in development and test, off in production (an operator turns it on on purpose).
  ADMIN_CONSOLE: optionalBoolean('ADMIN_CONSOLE'),
};

/** Whether GET /admin serves the admin console. */
export function adminConsoleConfig(
  e: EnvOf<typeof adminConsoleEnv>,
  isProduction: boolean,
): boolean {
  return e.ADMIN_CONSOLE ?? !isProduction;
}
