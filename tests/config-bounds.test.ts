import { configProblems } from './helpers/config';
import { TEST_SECRET } from './helpers/server';

const base = { JWT_SECRET: TEST_SECRET };

// Finding 15: security windows have upper bounds, the grace can be turned off, and rotation is checked.
describe('bounded security windows', () => {
  it.each([
    ['ACCESS_TOKEN_TTL', '2h', 'ACCESS_TOKEN_TTL must be at most 1h (got "2h")'],
    ['SESSION_CACHE_TTL', '5m', 'SESSION_CACHE_TTL must be at most 1m (got "5m")'],
    ['REFRESH_REUSE_GRACE', '10d', 'REFRESH_REUSE_GRACE must be at most 1m (got "10d")'],
    ['HOUSEKEEPING_INTERVAL', '2d', 'HOUSEKEEPING_INTERVAL must be at most 1d (got "2d")'],
  ])('refuses %s=%s at boot, naming the variable', (name, value, message) => {
    expect(configProblems({ ...base, [name]: value })).toEqual([message]);
  });

  it('accepts the largest allowed values and REFRESH_REUSE_GRACE=0', () => {
    expect(
      configProblems({
        ...base,
        ACCESS_TOKEN_TTL: '1h',
        SESSION_CACHE_TTL: '1m',
        REFRESH_REUSE_GRACE: '0',
        HOUSEKEEPING_INTERVAL: '1d',
      }),
    ).toEqual([]);
  });

  it('still refuses a zero access-token lifetime or session-cache TTL', () => {
    expect(configProblems({ ...base, ACCESS_TOKEN_TTL: '0' })).toHaveLength(1);
    expect(configProblems({ ...base, SESSION_CACHE_TTL: '0' })).toHaveLength(1);
  });
});

describe('JWT_PREVIOUS_SECRETS', () => {
  it('refuses a short previous secret or the current secret listed again', () => {
    expect(configProblems({ ...base, JWT_PREVIOUS_SECRETS: 'short' })).toEqual([
      'JWT_PREVIOUS_SECRETS: every secret must be at least 32 bytes long',
    ]);
    expect(configProblems({ ...base, JWT_PREVIOUS_SECRETS: TEST_SECRET })).toEqual([
      'JWT_PREVIOUS_SECRETS must not contain the current JWT_SECRET',
    ]);
  });
});
