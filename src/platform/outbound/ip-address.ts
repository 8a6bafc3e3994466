import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * IP addresses as bytes (4 for IPv4, 16 for IPv6), CIDR ranges, and the one table that says which
 * addresses a tenant-configured URL may reach (docs/adr/0011-outbound-requests.md). Parsing and
 * prefix matching are ipaddr.js's; the table is ours (ipaddr.js's own range names are coarser and
 * know no cloud-metadata addresses). Pure functions: no DNS here.
 */

/** Why an address is not public. `public` is the only kind a tenant's URL may reach by default. */
export type AddressKind =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared' // carrier-grade NAT, 100.64.0.0/10
  | 'cloud-metadata'
  | 'multicast'
  | 'reserved';

export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
}

/** The bytes of an IPv4 or IPv6 address (brackets and an IPv6 zone id allowed); null if it is not one. */
export function parseIp(text: string): Uint8Array | null {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // Node's isIP first: ipaddr.js alone also takes inet_aton forms ("127.1", "0x7f.0.0.1").
  const version = isIP(s);
  if (version === 0) return null;
  // IPv6 goes through the WHATWG URL serializer first: ipaddr.js 2.5 reads an IPv4-compatible
  // "::127.0.0.1" as the mapped ::ffff:127.0.0.1, another address; the URL parser writes "::7f00:1".
  const canonical = version === 6 ? new URL(`http://[${s}]/`).hostname.slice(1, -1) : s;
  return Uint8Array.from(ipaddr.parse(canonical).toByteArray());
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a range of one); null if it is neither. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const bytes = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!bytes) return null;
  const bits = bytes.length * 8;
  if (slash < 0) return { bytes, prefix: bits };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return null;
  return { bytes, prefix: Number(prefixText) };
}

const toAddress = (bytes: Uint8Array): ipaddr.IPv4 | ipaddr.IPv6 => ipaddr.fromByteArray([...bytes]);

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps: the kernel connects to that. */
export function unmapped(bytes: Uint8Array): Uint8Array {
  const address = toAddress(bytes);
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? Uint8Array.from(address.toIPv4Address().toByteArray()) : bytes;
}

/** Whether the address lies in the range; IPv4 ranges match IPv4-mapped IPv6 addresses too. */
export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  const a = toAddress(unmapped(address));
  const range = toAddress(unmapped(cidr.bytes));
  const prefix = cidr.bytes.length === range.toByteArray().length ? cidr.prefix : cidr.prefix - 96;
  if (a.kind() !== range.kind() || prefix < 0) return false;
  return a instanceof ipaddr.IPv4 ? a.match(range, prefix) : a.match(range, prefix);
}

/**
 * Special-purpose ranges (IANA's IPv4 and IPv6 special-purpose registries), most specific first:
 * the first match decides. Anything outside them is public, except IPv6 outside 2000::/3 (the only
 * block allocated for global unicast), which the last line refuses.
 */
const SPECIAL: ReadonlyArray<readonly [string, AddressKind]> = [
  // Cloud metadata services: the classic SSRF target (AWS, GCP, Azure, Oracle; AWS over IPv6; Azure's
  // wire server sits in public space; Alibaba's in shared space).
  ['169.254.169.254/32', 'cloud-metadata'],
  ['fd00:ec2::254/128', 'cloud-metadata'],
  ['168.63.129.16/32', 'cloud-metadata'],
  ['100.100.100.200/32', 'cloud-metadata'],
  // IPv4
  ['0.0.0.0/8', 'unspecified'], // "this network": 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'reserved'], // documentation (TEST-NET-1)
  ['192.88.99.0/24', 'reserved'], // 6to4 relay anycast (deprecated)
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'], // documentation (TEST-NET-2)
  ['203.0.113.0/24', 'reserved'], // documentation (TEST-NET-3)
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // future use, and 255.255.255.255 (broadcast)
  // IPv6 (IPv4-mapped ::ffff:0:0/96 never gets here: it is classified as the IPv4 address it maps)
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'], // IPv4-compatible (deprecated): ::127.0.0.1 and the like
  ['64:ff9b:1::/48', 'private'], // local-use NAT64
  ['100::/64', 'reserved'], // discard-only
  ['2001::/23', 'reserved'], // IETF protocol assignments, Teredo (2001::/32) included
  ['2001:db8::/32', 'reserved'], // documentation
  ['2002::/16', 'reserved'], // 6to4 (deprecated): embeds any IPv4 address
  ['3fff::/20', 'reserved'], // documentation
  ['fc00::/7', 'private'], // unique local
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // site-local (deprecated)
  ['ff00::/8', 'multicast'],
];

const SPECIAL_RANGES: ReadonlyArray<readonly [Cidr, AddressKind]> = SPECIAL.map(([text, kind]) => [parseCidr(text)!, kind]);
const NAT64 = parseCidr('64:ff9b::/96')!;
const GLOBAL_UNICAST = parseCidr('2000::/3')!;

/** What kind of address this is (see SPECIAL); throws on text that is not an IP address. */
export function classifyAddress(address: string | Uint8Array): AddressKind {
  const parsed = typeof address === 'string' ? parseIp(address) : address;
  if (!parsed) throw new TypeError(`not an IP address: ${String(address)}`);
  const bytes = unmapped(parsed);
  // The well-known NAT64 prefix reaches the IPv4 address it embeds.
  if (bytes.length === 16 && cidrContains(NAT64, bytes)) return classifyAddress(bytes.slice(12));
  for (const [range, kind] of SPECIAL_RANGES) {
    if (range.bytes.length === bytes.length && cidrContains(range, bytes)) return kind;
  }
  if (bytes.length === 16 && !cidrContains(GLOBAL_UNICAST, bytes)) return 'reserved';
  return 'public';
}

const DESCRIPTIONS: Record<AddressKind, string> = {
  public: 'a public address',
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  shared: 'a carrier-grade NAT address',
  'cloud-metadata': 'a cloud metadata address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/** "a loopback address", "a cloud metadata address": for messages. */
export function describeKind(kind: AddressKind): string {
  return DESCRIPTIONS[kind];
}
