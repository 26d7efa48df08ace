import { readdirSync, readFileSync } from 'node:fs';
import { PasswordHasher } from '../src/password/password-hasher';
import { codeOf, createActiveUser, PASSWORD, SIGN_IN } from './helpers/flows';
import { captureLog } from './helpers/log';
import { startTestServer, type TestServer } from './helpers/server';

// bcrypt runs on worker threads of its own at a lowered OS priority (Linux), at most BCRYPT_THREADS.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ BCRYPT_THREADS: '2' });
});
afterAll(() => server.close());

/** The nice value in a /proc stat line (field 19; the command name before it may hold spaces). */
const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

/** Nice values of this process's threads (the test server runs in this process). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return [niceOf(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'))];
    } catch {
      return [];
    }
  });
}

const linux = process.platform === 'linux' ? it : it.skip;

describe('password hashing threads', () => {
  linux('hash at a lower priority than the event loop, two at most here', async () => {
    const user = await createActiveUser(server);
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        server.gql(SIGN_IN, { email: user.email, password: i % 2 ? PASSWORD : 'wrong password 1' }),
      ),
    );
    const codes = attempts.map((res) => (res.errors ? codeOf(res) : 'OK'));
    expect(codes.filter((c) => c === 'OK')).toHaveLength(3);
    expect(codes.filter((c) => c !== 'OK')).toEqual(Array(3).fill('UNAUTHENTICATED'));
    const low = threadNices().filter((n) => n > 0);
    expect(niceOf(readFileSync('/proc/self/stat', 'utf8'))).toBe(0);
    expect(low.length).toBeGreaterThanOrEqual(1);
    expect(low.length).toBeLessThanOrEqual(2);
  });
});

describe('closing the password hasher', () => {
  it('lets the hashes in progress finish instead of killing their threads (which aborts the process)', async () => {
    const hasher = new PasswordHasher({ cost: 12, threads: 2 });
    const hashing = [hasher.hash('first passphrase'), hasher.hash('second passphrase')];
    const queued = hasher.hash('third passphrase');
    await new Promise((r) => setTimeout(r, 20));
    await hasher.close();
    for (const hash of await Promise.all(hashing)) expect(hash).toMatch(/^\$2b\$12\$/);
    await expect(queued).rejects.toThrow(/closed/);
    await expect(hasher.hash('after close')).rejects.toThrow(/closed/);
  });

  it('lets a server close while its bcrypt warm-up is still running, reporting no failure', async () => {
    const { logger, lines } = captureLog();
    const quick = await startTestServer({ BCRYPT_COST: '13' }, { logger });
    // The warm-up (a cost-13 hash, then a compare) outlasts the boot: still in progress here.
    const hasher = quick.app.services.hasher as unknown as { inFlight: Set<unknown> };
    expect(hasher.inFlight.size).toBe(1);
    await quick.close();
    expect(lines.filter((line) => /"level":(40|50|60)/.test(line))).toEqual([]);
  });
});
