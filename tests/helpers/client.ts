import type { FetchLike } from '../../client/src';

/** A fetch that records the name of every operation sent through it (`refreshToken`, `me`, …). */
export function countingFetch(): {
  fetch: FetchLike;
  calls: string[];
  count(name: string): number;
} {
  const calls: string[] = [];
  return {
    calls,
    count: (name) => calls.filter((c) => c === name).length,
    fetch: (input, init) => {
      const { query } = JSON.parse(String(init.body)) as { query: string };
      // The first field of the operation: `mutation RefreshToken(...) { refreshToken(` → refreshToken.
      const field = /\{\s*(\w+)/.exec(query.replace(/^\s*fragment[\s\S]*?\n}\n?/gm, ''))?.[1];
      calls.push(field ?? '?');
      return fetch(input, init);
    },
  };
}
