import { type Cidr, cidrContains, parseCidr } from './ip-address.js';

const HOST_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** A URL's host as the allow-list compares it: lower case, no brackets, no trailing dot. */
export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/**
 * The operator's escape hatch (PROVIDER_ALLOWED_PRIVATE_HOSTS) for models on a private network:
 * host names (`vllm.internal`, or `*.svc.cluster.local` for any name under it), IP addresses and
 * CIDR ranges (`10.20.0.0/16`, `fd12:3456::/48`). A listed host name may resolve to anything; a
 * listed range admits its addresses whatever the name.
 */
export class PrivateAllowList {
  private constructor(
    private readonly names: ReadonlySet<string>,
    private readonly suffixes: readonly string[],
    private readonly ranges: readonly Cidr[],
  ) {}

  static readonly EMPTY = new PrivateAllowList(new Set(), [], []);

  /** The entries that are neither a host name, `*.domain`, an IP address nor a CIDR range. */
  static invalidEntries(entries: readonly string[]): string[] {
    return entries.filter((entry) => !parseCidr(entry) && !HOST_NAME.test(normalizeHost(entry)));
  }

  /** Throws on an invalid entry (the configuration validates them first). */
  static parse(entries: readonly string[]): PrivateAllowList {
    const invalid = PrivateAllowList.invalidEntries(entries);
    if (invalid.length > 0) throw new Error(`invalid allow-list entries: ${invalid.join(', ')}`);
    const names = new Set<string>();
    const suffixes: string[] = [];
    const ranges: Cidr[] = [];
    for (const entry of entries) {
      const range = parseCidr(entry);
      const name = normalizeHost(entry);
      if (range) ranges.push(range);
      else if (name.startsWith('*.')) suffixes.push(name.slice(1));
      else names.add(name);
    }
    return new PrivateAllowList(names, suffixes, ranges);
  }

  allowsHost(host: string): boolean {
    const name = normalizeHost(host);
    return this.names.has(name) || this.suffixes.some((suffix) => name.endsWith(suffix));
  }

  allowsAddress(address: Uint8Array): boolean {
    return this.ranges.some((range) => cidrContains(range, address));
  }
}
