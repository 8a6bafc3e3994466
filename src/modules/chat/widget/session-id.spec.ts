import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../../../platform/config/config.js';
import { WidgetSessionIds } from './session-id.js';

const idsWith = (secret: string) => new WidgetSessionIds({ env: { JWT_SECRET: secret } } as AppConfig);
const ids = idsWith('jwt-secret-0123456789abcdef0123456789abcdef');
const tenant = randomUUID();
const CANONICAL_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The id with one hex digit changed (keeping the version and variant digits as they are). */
const flip = (id: string, at: number) => `${id.slice(0, at)}${id[at] === '0' ? '1' : '0'}${id.slice(at + 1)}`;

describe('WidgetSessionIds', () => {
  it('issues canonical version 8 UUIDs (RFC 9562), all different', () => {
    const issued = Array.from({ length: 2000 }, () => ids.issue(tenant));
    for (const id of issued) expect(id).toMatch(CANONICAL_V8);
    expect(new Set(issued).size).toBe(issued.length);
  });

  it('recognises its own ids for their tenant, in any letter case', () => {
    const id = ids.issue(tenant);
    expect(ids.check(id, tenant)).toBe('ours');
    expect(ids.check(id.toUpperCase(), tenant)).toBe('ours');
  });

  it("says 'other_tenant' for another tenant's id, for a changed digit anywhere, and for ids made with another key", () => {
    const id = ids.issue(tenant);
    expect(ids.check(id, randomUUID())).toBe('other_tenant');
    for (const at of [0, 7, 9, 16, 21, 30, 35]) expect(ids.check(flip(id, at), tenant)).toBe('other_tenant');
    expect(ids.check(idsWith('another-secret-0123456789abcdef0123456789').issue(tenant), tenant)).toBe('other_tenant');
  });

  it("says 'malformed' for what is not a UUID, for other versions (random v4, the database's ids) and for the old <hex>.<hex> ids", () => {
    const id = ids.issue(tenant);
    for (const bad of ['', 'not-a-session', randomUUID(), `${id.slice(0, 14)}4${id.slice(15)}`, `${id.slice(0, 19)}c${id.slice(20)}`, `${'a'.repeat(32)}.${'b'.repeat(32)}`, ` ${id}`, id.replace(/-/g, '')]) {
      expect({ bad, check: ids.check(bad, tenant) }).toEqual({ bad, check: 'malformed' });
    }
  });
});
