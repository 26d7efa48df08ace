import { Role } from '../../src/users/role';
import { createActiveUser, signIn, uniqueEmail } from './flows';
import type { TestServer } from './server';

/** An active admin, promoted the way an operator does it (the CLI's service), and a fresh token. */
export async function createAdmin(server: TestServer, label = 'admin') {
  const user = await createActiveUser(server, uniqueEmail(label));
  await server.app.services.admin.setRoleByEmail(server.app.orm.em.fork(), user.email, Role.ADMIN);
  const tokens = await signIn(server, user.email);
  expect(tokens.user.role).toBe('ADMIN');
  return { ...user, token: tokens.accessToken };
}
