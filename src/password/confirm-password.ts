import type { EntityManager } from '@mikro-orm/core';
import { AppError, ErrorCode } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import { User } from '../users/user.entity';
import type { PasswordHasher } from './password-hasher';
import { couldBePassword } from './password-policy';

/**
 * For actions a signed-in user must re-confirm (change password, delete account, and later disabling
 * TOTP or new recovery codes): loads the user with the hash and checks the password inside the same
 * per-account failure budget as signIn, so a stolen access token cannot guess the password unthrottled.
 * Throws UNAUTHENTICATED with `message`, TOO_MANY_REQUESTS (budget spent, or the bcrypt queue full).
 */
export async function confirmPassword(
  em: EntityManager,
  hasher: PasswordHasher,
  limits: RateLimits,
  userId: string,
  password: unknown,
  message: string,
): Promise<User> {
  const user = await em.findOne(User, { id: userId }, { populate: ['passwordHash'] });
  if (!user) throw new AppError(ErrorCode.UNAUTHENTICATED, message);
  const { ok } = await limits.checkPassword(
    user.email,
    async () => couldBePassword(password) && hasher.verify(password, user.passwordHash),
  );
  if (!ok) throw new AppError(ErrorCode.UNAUTHENTICATED, message);
  return user;
}
