import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isReservedSlug, SLUG_FORMAT, slugify, withSuffix } from './tenant-slug.js';

describe('slugify', () => {
  it.each([
    ['Acme', 'acme'],
    ['Société Générale & Co.', 'societe-generale-co'],
    ['  --Hello,   World!--  ', 'hello-world'],
    ['東京', 'tenant'],
    ['!!!', 'tenant'],
  ])('%j -> %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('always yields a slug the tenants_slug_format check accepts, with and without a suffix', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (name) => {
        const slug = slugify(name);
        expect(slug).toMatch(SLUG_FORMAT);
        expect(withSuffix(slug)).toMatch(SLUG_FORMAT);
      }),
      { numRuns: 500 },
    );
  });
});

describe('withSuffix', () => {
  it('appends a short random suffix', () => {
    expect(withSuffix('acme')).toMatch(/^acme-[0-9a-f]{6}$/);
    expect(withSuffix('acme')).not.toBe(withSuffix('acme'));
  });
});

describe('reserved slugs', () => {
  it('are the product names, not tenant names', () => {
    expect(isReservedSlug('admin')).toBe(true);
    expect(isReservedSlug('api')).toBe(true);
    expect(isReservedSlug('acme')).toBe(false);
  });
});
