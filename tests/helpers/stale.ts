import jwt from 'jsonwebtoken';
import { Session } from '../../src/sessions/session.entity';
import { REFRESH, type Tokens } from './flows';
import type { TestServer } from './server';

/**
 * Tokens of the same session whose auth_time is `ageSec` old: the session's auth_time set in the past,
 * then a refresh (which keeps it), as a session signed in that long ago has.
 */
export async function staleTokens(
  server: TestServer,
  tokens: Tokens,
  ageSec = 11 * 60,
): Promise<Tokens> {
  const sid = (jwt.decode(tokens.accessToken) as jwt.JwtPayload).sid as string;
  await server.app.orm.em
    .fork()
    .nativeUpdate(Session, { id: sid }, { authTime: new Date(Date.now() - ageSec * 1000) });
  const res = await server.gql(REFRESH, { refreshToken: tokens.refreshToken });
  expect(res.errors).toBeUndefined();
  const stale = res.data!.refreshToken as Tokens;
  const authTime = (jwt.decode(stale.accessToken) as jwt.JwtPayload).auth_time as number;
  expect(Date.now() / 1000 - authTime).toBeGreaterThan(ageSec - 5);
  return stale;
}
