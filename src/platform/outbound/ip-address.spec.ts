import { describe, expect, it } from '@jest/globals';
import { type AddressKind, cidrContains, classifyAddress, parseCidr, parseIp } from './ip-address.js';

/** Which addresses a tenant's URL may reach: only `public` ones, by default. */

describe('classifyAddress', () => {
  it.each<[string, AddressKind]>([
    // IPv4: public
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['104.18.32.47', 'public'],
    ['9.255.255.255', 'public'], // just below 10/8
    ['11.0.0.0', 'public'], // just above 10/8
    ['100.63.255.255', 'public'], // just below 100.64/10
    ['100.128.0.0', 'public'], // just above it
    ['172.15.255.255', 'public'], // just below 172.16/12
    ['172.32.0.0', 'public'], // just above it
    ['192.167.255.255', 'public'],
    ['192.169.0.0', 'public'],
    ['223.255.255.255', 'public'], // the last address below multicast
    // IPv4: unspecified, loopback, private
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.0', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    // link-local, cloud metadata, carrier-grade NAT
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'cloud-metadata'],
    ['168.63.129.16', 'cloud-metadata'],
    ['100.100.100.200', 'cloud-metadata'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    // multicast, reserved, documentation, benchmarking, broadcast
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['192.88.99.1', 'reserved'],
    // IPv6: public
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
    // IPv6: special
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fd00:ec2::254', 'cloud-metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'], // Teredo
    ['2002:7f00:1::1', 'reserved'], // 6to4 embedding 127.0.0.1
    ['3fff::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::127.0.0.1', 'reserved'], // IPv4-compatible (deprecated)
    ['64:ff9b:1::10.0.0.1', 'private'],
    ['4000::1', 'reserved'], // outside 2000::/3, not allocated
    ['5f00::1', 'reserved'],
    // IPv4-mapped IPv6: classified as the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:169.254.169.254', 'cloud-metadata'],
    ['::ffff:a9fe:a9fe', 'cloud-metadata'],
    ['::ffff:10.1.2.3', 'private'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:8.8.8.8', 'public'],
    // NAT64 well-known prefix: classified as the IPv4 address it reaches
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'cloud-metadata'],
    // brackets, as URL host names carry them
    ['[::1]', 'loopback'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(['localhost', '', '1.2.3', '256.1.1.1', '01.2.3.4', '::g', '1.2.3.4/32'])('throws on %j, which is not an IP address', (text) => {
    expect(() => classifyAddress(text)).toThrow(TypeError);
  });
});

describe('parseIp', () => {
  it('expands IPv6 to 16 bytes, with a dotted IPv4 tail and :: anywhere', () => {
    expect([...parseIp('::ffff:1.2.3.4')!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
    expect([...parseIp('1::')!]).toEqual([0, 1, ...Array<number>(14).fill(0)]);
    expect([...parseIp('1:2:3:4:5:6:7:8')!]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect([...parseIp('10.20.30.40')!]).toEqual([10, 20, 30, 40]);
  });
});

describe('CIDR ranges', () => {
  it('parse a range, a bare address (a range of one), and refuse nonsense', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ prefix: 8 });
    expect(parseCidr('10.1.2.3')).toMatchObject({ prefix: 32 });
    expect(parseCidr('fd00::/8')).toMatchObject({ prefix: 8 });
    expect(parseCidr('::1')).toMatchObject({ prefix: 128 });
    for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', 'vllm.internal', '10.0.0.0/ 8']) expect(parseCidr(bad)).toBeNull();
  });

  it('contain the addresses under their prefix, IPv4-mapped IPv6 included', () => {
    const range = parseCidr('10.20.0.0/15')!;
    expect(cidrContains(range, parseIp('10.20.0.1')!)).toBe(true);
    expect(cidrContains(range, parseIp('10.21.255.255')!)).toBe(true);
    expect(cidrContains(range, parseIp('10.22.0.0')!)).toBe(false);
    expect(cidrContains(range, parseIp('::ffff:10.21.0.9')!)).toBe(true);
    expect(cidrContains(range, parseIp('fd00::1')!)).toBe(false);
    const v6 = parseCidr('fd12:3456::/32')!;
    expect(cidrContains(v6, parseIp('fd12:3456:ffff::1')!)).toBe(true);
    expect(cidrContains(v6, parseIp('fd12:3457::1')!)).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('203.0.113.1')!)).toBe(true);
    expect(cidrContains(parseCidr('127.0.0.1')!, parseIp('127.0.0.2')!)).toBe(false);
  });
});
