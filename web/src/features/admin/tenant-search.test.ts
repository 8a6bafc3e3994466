import { describe, expect, it } from 'vitest';
import { tenantsSearch } from './tenant-search.ts';

describe('the tenants list search params', () => {
  it('keeps a search, known filters and a cursor', () => {
    expect(tenantsSearch({ q: ' acme ', status: 'suspended', plan: 'pro', cursor: 'abc' })).toEqual({ q: 'acme', status: 'suspended', plan: 'pro', cursor: 'abc' });
  });

  it('drops what the API would refuse: unknown filters, blank or overlong searches, non-strings', () => {
    expect(tenantsSearch({ q: '   ', status: 'closed', plan: 'platinum', cursor: 42 })).toEqual({});
    expect(tenantsSearch({ q: 'x'.repeat(101) })).toEqual({});
  });
});
