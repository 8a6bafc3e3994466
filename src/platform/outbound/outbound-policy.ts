import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { normalizeHost, type PrivateAllowList } from './allow-list.js';
import type { HostResolver } from './host-resolver.js';
import { classifyAddress, describeKind, parseIp } from './ip-address.js';

/** A tenant-configured URL may not be reached; the message is safe to show to the tenant. */
export class OutboundRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

export interface OutboundRules {
  /** https only (production); plain http stays allowed for hosts the allow-list admits. */
  requireHttps: boolean;
  allowList: PrivateAllowList;
  /** How long the save-time check waits for DNS before leaving the verdict to connect time. */
  resolveTimeoutMs?: number;
}

const DEFAULT_RESOLVE_TIMEOUT_MS = 3_000;

/**
 * Which URLs a tenant may make our servers call (server-side request forgery guard,
 * docs/adr/0011-outbound-requests.md): http(s) without credentials, https only in production, and
 * only public addresses, unless the operator's allow-list admits the host or its address.
 *
 * Checked twice: when the URL is saved (`checkUrl`, a clear 400 early), and at every connection
 * (`checkTarget` and `lookup`, used by OutboundHttp), because what a name resolves to can change
 * between the two (DNS rebinding). Only the connect-time check is a guarantee.
 */
export class OutboundPolicy {
  constructor(
    private readonly rules: OutboundRules,
    private readonly resolver: HostResolver,
  ) {}

  /**
   * Save time: the URL's shape and where its host resolves now. A name that does not resolve now
   * is accepted (nothing to judge yet; connect time will). Throws OutboundRefusedError.
   */
  async checkUrl(raw: string): Promise<void> {
    const url = this.checkTarget(raw);
    const host = normalizeHost(url.hostname);
    if (parseIp(host) || this.rules.allowList.allowsHost(host)) return;
    const addresses = await this.resolveWithin(host, this.rules.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS);
    if (addresses) this.checkResolved(host, addresses);
  }

  /**
   * Before connecting: scheme, credentials, https in production, and a host given as an IP address
   * (no lookup happens for those). Returns the parsed URL; throws OutboundRefusedError.
   */
  checkTarget(target: string | URL): URL {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new OutboundRefusedError('is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefusedError('must be an http:// or https:// URL');
    if (url.username || url.password) throw new OutboundRefusedError('must not carry credentials');
    const host = normalizeHost(url.hostname);
    const literal = parseIp(host);
    const listed = literal ? this.rules.allowList.allowsAddress(literal) : this.rules.allowList.allowsHost(host);
    if (this.rules.requireHttps && url.protocol === 'http:' && !listed) throw new OutboundRefusedError('must use https');
    if (literal && !listed) {
      const kind = classifyAddress(literal);
      if (kind !== 'public') throw new OutboundRefusedError(`${host} is ${describeKind(kind)}`);
    }
    return url;
  }

  /**
   * The `lookup` of every outbound connection: resolves through HostResolver and hands the socket
   * only addresses that passed, so the address connected to is the address checked. One refused
   * address refuses the name (a name that mixes public and private addresses is an attack).
   */
  readonly lookup: LookupFunction = (hostname: string, options: LookupOptions, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    this.resolver
      .resolve(hostname)
      .then((all) => {
        const host = normalizeHost(hostname);
        this.checkResolved(host, all);
        const addresses = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        const first = addresses[0];
        if (!first) throw Object.assign(new Error(`${host} has no usable address`), { code: 'ENOTFOUND' });
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };

  private checkResolved(host: string, addresses: readonly LookupAddress[]): void {
    if (this.rules.allowList.allowsHost(host)) return;
    for (const { address } of addresses) {
      const bytes = parseIp(address);
      if (!bytes) throw new OutboundRefusedError(`${host} resolves to something that is not an IP address`);
      if (this.rules.allowList.allowsAddress(bytes)) continue;
      // The address itself is not shown: the tenant must not learn our internal network's layout.
      const kind = classifyAddress(bytes);
      if (kind !== 'public') throw new OutboundRefusedError(`${host} resolves to ${describeKind(kind)}`);
    }
  }

  /** The addresses, or undefined when the name does not resolve within the time given. */
  private async resolveWithin(host: string, ms: number): Promise<LookupAddress[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([this.resolver.resolve(host).catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
