import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { HostResolver } from '../../src/platform/outbound/host-resolver.js';

/**
 * DNS for tests, which must never depend on the machine's resolver: names answer with the
 * addresses of a table the test controls (and may change between two calls, as a rebinding
 * attacker's DNS would); any other name does not exist (ENOTFOUND, as getaddrinfo reports it).
 */
export class FakeDns extends HostResolver {
  /** Every name asked, in order. */
  readonly asked: string[] = [];

  constructor(readonly table: Record<string, string[]> = {}) {
    super();
  }

  override resolve(hostname: string): Promise<LookupAddress[]> {
    this.asked.push(hostname);
    const addresses = this.table[hostname.toLowerCase()];
    if (!addresses) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }));
    return Promise.resolve(addresses.map((address) => ({ address, family: isIP(address) })));
  }
}

/** Makes the application's HostResolver answer from a FakeDns (a spy on our own seam, not on DNS). */
export function installFakeDns(app: INestApplicationContext, table: Record<string, string[]> = {}): FakeDns {
  const fake = new FakeDns(table);
  jest.spyOn(app.get(HostResolver, { strict: false }), 'resolve').mockImplementation((hostname) => fake.resolve(hostname));
  return fake;
}
