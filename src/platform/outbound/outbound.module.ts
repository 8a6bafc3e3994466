import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config.js';
import { PrivateAllowList } from './allow-list.js';
import { HostResolver } from './host-resolver.js';
import { OutboundHttp } from './outbound-http.js';
import { OutboundPolicy } from './outbound-policy.js';

/**
 * Calls to URLs that tenants configure (today: OpenAI-compatible model endpoints), guarded
 * against server-side request forgery (docs/adr/0011-outbound-requests.md). Import it where such
 * a URL is saved or called; operator-configured endpoints (Stripe, SMTP) do not need it.
 */
@Module({
  providers: [
    HostResolver,
    {
      provide: OutboundPolicy,
      inject: [AppConfig, HostResolver],
      useFactory: (config: AppConfig, resolver: HostResolver) =>
        new OutboundPolicy({ requireHttps: config.isProduction, allowList: PrivateAllowList.parse(config.env.PROVIDER_ALLOWED_PRIVATE_HOSTS) }, resolver),
    },
    OutboundHttp,
  ],
  exports: [OutboundPolicy, OutboundHttp],
})
export class OutboundModule {}
