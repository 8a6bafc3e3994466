import { describe, expect, it } from '@jest/globals';
import { allowedOriginsSchema, normaliseOrigin } from './allowed-origins.js';

describe('normaliseOrigin', () => {
  it.each([
    ['https://Shop.Example.com', 'https://shop.example.com'],
    ['https://shop.example.com/', 'https://shop.example.com'],
    ['HTTPS://shop.example.com:443', 'https://shop.example.com'],
    ['http://localhost:80', 'http://localhost'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['  https://bücher.example  ', 'https://xn--bcher-kva.example'],
  ])('%s → %s (as a browser sends it in Origin)', (input, origin) => {
    expect(normaliseOrigin(input)).toEqual({ origin });
  });

  it.each(['https://shop.example.com/path', 'https://shop.example.com?', 'https://shop.example.com/#x', 'https://u:p@shop.example.com', 'ftp://shop.example.com', 'https://*.example.com', 'shop.example.com', 'null', 'https://', 'javascript:alert(1)', 'file:///etc'])(
    'refuses %s',
    (input) => {
      expect(normaliseOrigin(input)).toEqual({ error: expect.any(String) });
    },
  );
});

describe('allowedOriginsSchema', () => {
  it('normalises, drops duplicates (after normalising) and keeps the order', () => {
    expect(allowedOriginsSchema.parse(['https://B.example', 'https://a.example', 'https://b.example:443/'])).toEqual(['https://b.example', 'https://a.example']);
  });

  it('names each bad entry by its index', () => {
    const parsed = allowedOriginsSchema.safeParse(['https://ok.example', 'nope', 'https://x.example/path']);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path)).toEqual([[1], [2]]);
  });
});
