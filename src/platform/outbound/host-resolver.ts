import { type LookupAddress, promises as dns } from 'node:dns';
import { Injectable } from '@nestjs/common';

/**
 * Host name to addresses, as the operating system resolves them (getaddrinfo: /etc/hosts, then
 * DNS). Its own class so that tests can answer for DNS, which they must never depend on.
 */
@Injectable()
export class HostResolver {
  resolve(hostname: string): Promise<LookupAddress[]> {
    return dns.lookup(hostname, { all: true, verbatim: true });
  }
}
