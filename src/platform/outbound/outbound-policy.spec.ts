import type { LookupAddress } from 'node:dns';
import { describe, expect, it, jest } from '@jest/globals';
import { FakeDns } from '../../../test/support/fake-dns.js';
import { PrivateAllowList } from './allow-list.js';
import { OutboundPolicy, OutboundRefusedError } from './outbound-policy.js';

/**
 * The SSRF policy on its own: what a URL may look like, where its host may resolve, and what the
 * operator's allow-list opens. DNS answers come from a table (FakeDns), never the network.
 */

const DNS = {
  'api.models.example': ['104.18.32.47', '2606:4700::6812:202f'],
  'localhost': ['127.0.0.1', '::1'],
  'rebind.example': ['127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'mixed.example': ['104.18.32.47', '10.0.0.5'],
  'intranet.example': ['10.20.1.5'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'vllm.internal': ['10.9.8.7'],
  'gpu-1.models.svc.cluster.local': ['10.96.0.12'],
};

function policy(options: { allow?: string[]; production?: boolean } = {}, dns = new FakeDns(DNS)): OutboundPolicy {
  return new OutboundPolicy({ requireHttps: options.production ?? false, allowList: PrivateAllowList.parse(options.allow ?? []), resolveTimeoutMs: 1000 }, dns);
}

async function refusal(check: Promise<unknown>): Promise<string> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundRefusedError);
  return (error as Error).message;
}

describe('checkUrl (save time)', () => {
  it.each([
    ['a public host name', 'https://api.models.example/v1'],
    ['a public IPv4 address', 'http://104.18.32.47:8080/v1'],
    ['a public IPv6 address', 'http://[2606:4700::6812:202f]/v1'],
    ['a host name that does not resolve now (connect time will judge it)', 'https://not-yet.example/v1'],
  ])('accepts %s', async (_case, url) => {
    await expect(policy().checkUrl(url)).resolves.toBeUndefined();
  });

  it.each([
    ['127.0.0.1', 'http://127.0.0.1:11434/v1', '127.0.0.1 is a loopback address'],
    ['a loopback address in another spelling (the URL parser normalises it)', 'http://0x7f.1/v1', '127.0.0.1 is a loopback address'],
    ['a loopback address as one decimal number', 'http://2130706433/v1', '127.0.0.1 is a loopback address'],
    ['[::1]', 'http://[::1]:8000/v1', '::1 is a loopback address'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/v1', '::ffff:7f00:1 is a loopback address'],
    ['0.0.0.0', 'http://0.0.0.0:6379/', '0.0.0.0 is an unspecified address'],
    ['the cloud metadata service', 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address'],
    ['the AWS metadata service over IPv6', 'http://[fd00:ec2::254]/latest/', 'fd00:ec2::254 is a cloud metadata address'],
    ['a private address', 'http://10.1.2.3/v1', '10.1.2.3 is a private address'],
    ['a private 192.168 address', 'https://192.168.0.10/v1', '192.168.0.10 is a private address'],
    ['a carrier-grade NAT address', 'http://100.64.1.1/v1', '100.64.1.1 is a carrier-grade NAT address'],
    ['a unique local IPv6 address', 'http://[fd12::1]/v1', 'fd12::1 is a private address'],
    ['a link-local IPv6 address', 'http://[fe80::1]/v1', 'fe80::1 is a link-local address'],
    ['a multicast address', 'http://224.0.0.1/v1', '224.0.0.1 is a multicast address'],
    ['the broadcast address', 'http://255.255.255.255/v1', '255.255.255.255 is a reserved address'],
    ['localhost', 'http://localhost:5432/', 'localhost resolves to a loopback address'],
    ['a name that resolves to a loopback address', 'https://rebind.example/v1', 'rebind.example resolves to a loopback address'],
    ['a name that resolves to the metadata service', 'https://metadata.example/', 'metadata.example resolves to a cloud metadata address'],
    ['a name that resolves to IPv4-mapped loopback', 'https://mapped.example/', 'mapped.example resolves to a loopback address'],
    ['a name with one private address among public ones', 'https://mixed.example/v1', 'mixed.example resolves to a private address'],
    ['a name in upper case with a trailing dot', 'https://REBIND.example./v1', 'rebind.example resolves to a loopback address'],
    ['credentials', 'https://user:pw@api.models.example/v1', 'must not carry credentials'],
    ['another scheme', 'ftp://api.models.example/v1', 'must be an http:// or https:// URL'],
    ['something that is not a URL', 'not a url', 'is not a valid URL'],
  ])('refuses %s', async (_case, url, message) => {
    expect(await refusal(policy().checkUrl(url))).toBe(message);
  });

  it('never names the address a host name resolves to (the tenant must not map our network)', async () => {
    expect(await refusal(policy().checkUrl('https://intranet.example/v1'))).not.toContain('10.20.1.5');
  });

  it('in production, refuses http, except for a host the allow-list admits', async () => {
    expect(await refusal(policy({ production: true }).checkUrl('http://api.models.example/v1'))).toBe('must use https');
    await expect(policy({ production: true }).checkUrl('https://api.models.example/v1')).resolves.toBeUndefined();
    await expect(policy({ production: true, allow: ['vllm.internal'] }).checkUrl('http://vllm.internal:8000/v1')).resolves.toBeUndefined();
    await expect(policy({ production: true, allow: ['10.0.0.0/8'] }).checkUrl('http://10.9.8.7:8000/v1')).resolves.toBeUndefined();
    expect(await refusal(policy({ production: true, allow: ['10.0.0.0/8'] }).checkUrl('http://vllm.internal:8000/v1'))).toBe('must use https');
  });

  it('does not wait on DNS forever: a lookup that does not answer in time leaves the verdict to connect time', async () => {
    // The name's first lookup never answers; at connect time it resolves to a loopback address.
    const silentOnce = new (class extends FakeDns {
      override resolve(hostname: string): Promise<LookupAddress[]> {
        return this.asked.length === 0 ? (this.asked.push(hostname), new Promise(() => undefined)) : super.resolve(hostname);
      }
    })({ 'api.models.example': ['127.0.0.1'] });
    const slow = new OutboundPolicy({ requireHttps: false, allowList: PrivateAllowList.EMPTY, resolveTimeoutMs: 20 }, silentOnce);
    jest.useFakeTimers();
    try {
      let settled = false;
      const verdict = slow.checkUrl('https://api.models.example/v1').finally(() => {
        settled = true;
      });
      await jest.advanceTimersByTimeAsync(19);
      expect(settled).toBe(false); // still waiting for DNS, within the time given
      await jest.advanceTimersByTimeAsync(1);
      expect(settled).toBe(true); // DNS has not answered, and the check is over: no verdict at save time
      await expect(verdict).resolves.toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
    const atConnect = await new Promise<Error | null>((resolve) => slow.lookup('api.models.example', { all: true }, (error) => resolve(error)));
    expect(atConnect).toBeInstanceOf(OutboundRefusedError);
    expect(atConnect?.message).toBe('api.models.example resolves to a loopback address');
    expect(silentOnce.asked).toEqual(['api.models.example', 'api.models.example']);
  });
});

describe('the allow-list (PROVIDER_ALLOWED_PRIVATE_HOSTS)', () => {
  it('admits a listed host name whatever it resolves to, without asking DNS', async () => {
    const dns = new FakeDns(DNS);
    await expect(policy({ allow: ['vllm.internal'] }, dns).checkUrl('http://VLLM.internal:8000/v1')).resolves.toBeUndefined();
    expect(dns.asked).toEqual([]);
  });

  it('admits any name under a *.domain entry, and not the domain itself', async () => {
    const allow = ['*.svc.cluster.local'];
    await expect(policy({ allow }).checkUrl('http://gpu-1.models.svc.cluster.local/v1')).resolves.toBeUndefined();
    expect(await refusal(policy({ allow, production: true }).checkUrl('http://svc.cluster.local/v1'))).toBe('must use https');
  });

  it('admits addresses in a listed range, whatever the name, and nothing outside it', async () => {
    const allow = ['10.20.0.0/16', '127.0.0.1'];
    await expect(policy({ allow }).checkUrl('http://intranet.example/v1')).resolves.toBeUndefined();
    await expect(policy({ allow }).checkUrl('http://127.0.0.1:9000/v1')).resolves.toBeUndefined();
    await expect(policy({ allow }).checkUrl('http://[::ffff:127.0.0.1]:9000/v1')).resolves.toBeUndefined();
    expect(await refusal(policy({ allow }).checkUrl('http://127.0.0.2/v1'))).toBe('127.0.0.2 is a loopback address');
    expect(await refusal(policy({ allow }).checkUrl('http://localhost/v1'))).toBe('localhost resolves to a loopback address'); // ::1 is not listed
    expect(await refusal(policy({ allow }).checkUrl('http://10.21.0.1/v1'))).toBe('10.21.0.1 is a private address');
  });

  it('knows its entries: host names, *.domain, addresses and CIDR ranges; anything else is invalid', () => {
    expect(PrivateAllowList.invalidEntries(['vllm', 'vllm.internal', '*.svc.cluster.local', 'ollama_1', '10.0.0.0/8', 'fd00::/8', '127.0.0.1', '::1'])).toEqual([]);
    expect(PrivateAllowList.invalidEntries(['*', '*.', 'http://vllm', 'vllm:8000', '10.0.0.0/33', 'a b', '-bad.example'])).toEqual([
      '*',
      '*.',
      'http://vllm',
      'vllm:8000',
      '10.0.0.0/33',
      'a b',
      '-bad.example',
    ]);
  });
});

describe('lookup (connect time)', () => {
  const lookup = (p: OutboundPolicy, host: string, options: { all?: boolean; family?: number }) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) => {
      p.lookup(host, options, (error, address, family) => resolve({ error, address, family }));
    });

  it('hands the socket the checked addresses, one or all as asked, of the family asked', async () => {
    expect(await lookup(policy(), 'api.models.example', { all: true })).toEqual({
      error: null,
      address: [
        { address: '104.18.32.47', family: 4 },
        { address: '2606:4700::6812:202f', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookup(policy(), 'api.models.example', {})).toEqual({ error: null, address: '104.18.32.47', family: 4 });
    expect(await lookup(policy(), 'api.models.example', { family: 6 })).toEqual({ error: null, address: '2606:4700::6812:202f', family: 6 });
  });

  it('fails the connection with OutboundRefusedError when any address is refused', async () => {
    const { error } = await lookup(policy(), 'mixed.example', { all: true });
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error?.message).toBe('mixed.example resolves to a private address');
  });

  it('passes a DNS failure on as it is', async () => {
    expect((await lookup(policy(), 'nowhere.example', {})).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
