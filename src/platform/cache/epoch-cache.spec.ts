import { describe, expect, it } from '@jest/globals';
import { EpochCache, type EpochStamp } from './epoch-cache.js';

const stamp = (s: string) => s as EpochStamp;

describe('EpochCache', () => {
  it('serves an entry only under the epochs it was stored with', () => {
    const cache = new EpochCache<string>(30_000);
    cache.set('t1:u1:s1', 'owner', { tenantId: 't1', userId: 'u1' }, stamp('0.3.1'), 1000);

    expect(cache.get('t1:u1:s1', stamp('0.3.1'), 2000)).toBe('owner');
    expect(cache.get('t1:u1:s1', stamp('0.4.1'), 2000)).toBeUndefined(); // the tenant changed since
    expect(cache.get('t1:u1:s1', stamp('0.3.1'), 2000)).toBeUndefined(); // and the stale entry is gone
  });

  it('forgets an entry once its lifetime is over, whatever the epochs', () => {
    const cache = new EpochCache<string>(30_000);
    cache.set('k', 'v', { tenantId: 't1' }, stamp('0.0.-'), 1000);

    expect(cache.get('k', stamp('0.0.-'), 30_999)).toBe('v');
    expect(cache.get('k', stamp('0.0.-'), 31_000)).toBeUndefined();
  });

  it("drops a tenant's or a user's entries, and only theirs", () => {
    const cache = new EpochCache<string>(30_000);
    const s = stamp('0.0.0');
    cache.set('a', 'tenant 1, user 1', { tenantId: 't1', userId: 'u1' }, s, 0);
    cache.set('b', 'tenant 2, user 1', { tenantId: 't2', userId: 'u1' }, s, 0);
    cache.set('c', 'tenant 2, user 2', { tenantId: 't2', userId: 'u2' }, s, 0);

    cache.drop({ tenantId: 't1' });
    expect(['a', 'b', 'c'].map((k) => cache.get(k, s, 1))).toEqual([undefined, 'tenant 2, user 1', 'tenant 2, user 2']);
    cache.drop({ userId: 'u1' });
    expect(['b', 'c'].map((k) => cache.get(k, s, 1))).toEqual([undefined, 'tenant 2, user 2']);
    cache.drop('all');
    expect(cache.size).toBe(0);
  });

  it('stays within its size, dropping expired entries first, then the oldest', () => {
    const cache = new EpochCache<number>(1000, 10);
    const s = stamp('0.0.0');
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i, {}, s, i < 5 ? 0 : 5000);
    cache.set('new', 99, {}, s, 5500); // k0..k4 expired at 1000
    expect(cache.size).toBe(6);
    for (let i = 0; i < 5; i++) cache.set(`m${i}`, i, {}, s, 5500);
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.get('m4', s, 5600)).toBe(4);
  });
});
