/**
 * The id that stands for "no such account" where a known and an unknown one must cost the same work:
 * the same queries run with it, and a failure for an unknown address is recorded under it. No user has
 * it (ids are random UUIDs v4).
 */
export const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';
