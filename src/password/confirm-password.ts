import type { EntityManager } from '@mikro-orm/core';
import { AppError, ErrorCode } from '../errors';
import { User } from '../users/user.entity';
import type { PasswordHasher } from './password-hasher';
import { couldBePassword } from './password-policy';

/**
 * For actions a signed-in user must re-confirm (change password, delete account): loads the user with
 * the hash and checks the password. Throws UNAUTHENTICATED with `message`.
 */
export async function confirmPassword(
  em: EntityManager,
  hasher: PasswordHasher,
  userId: string,
  password: unknown,
  message: string,
): Promise<User> {
  const user = await em.findOne(User, { id: userId }, { populate: ['passwordHash'] });
  const ok =
    user && couldBePassword(password) && (await hasher.verify(password, user.passwordHash));
  if (!user || !ok) throw new AppError(ErrorCode.UNAUTHENTICATED, message);
  return user;
}
