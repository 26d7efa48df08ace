import { BoundedMap } from '../src/cache/bounded-map';

describe('BoundedMap (behind the session, user and verified-token caches)', () => {
  it('never holds more than its bound, forgetting the oldest entry first', () => {
    const map = new BoundedMap<string, number>(3);
    for (let i = 0; i < 1000; i++) map.set(`k${i}`, i);
    expect(map.size).toBe(3);
    expect(map.get('k996')).toBeUndefined();
    expect([map.get('k997'), map.get('k998'), map.get('k999')]).toEqual([997, 998, 999]);
  });

  it('counts a re-set entry as the newest', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3);
    map.set('c', 4);
    expect(map.get('b')).toBeUndefined();
    expect(map.get('a')).toBe(3);
    expect(map.get('c')).toBe(4);
  });
});
