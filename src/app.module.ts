import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './modules/auth/auth.module.js';
import { InvitationsModule } from './modules/auth/invitations/invitations.module.js';
import { BillingModule } from './modules/billing/billing.module.js';
import { ChatModule } from './modules/chat/chat.module.js';
import { WidgetModule } from './modules/chat/widget/widget.module.js';
import { AuditApiModule } from './modules/tenant/audit/audit-api.module.js';
import { MembersModule } from './modules/tenant/members/members.module.js';
import { UsageModule } from './modules/usage/usage.module.js';
import { TenantModule } from './modules/tenant/tenant.module.js';
import { AuditModule } from './platform/audit/audit.module.js';
import { CacheModule } from './platform/cache/cache.module.js';
import { AppConfig } from './platform/config/config.js';
import { ConfigModule } from './platform/config/config.module.js';
import { ContextModule } from './platform/context/context.module.js';
import { DbModule } from './platform/db/db.module.js';
import { HealthModule } from './platform/health/health.module.js';
import { ProblemFilter } from './platform/http/problem.filter.js';
import { ZodValidationPipe } from './platform/http/validation.js';
import { LoggingModule } from './platform/observability/logging.module.js';
import { ObservabilityModule } from './platform/observability/observability.module.js';
import { MailModule } from './platform/mail/mail.module.js';
import { QueueModule } from './platform/queue/queue.module.js';
import { RedisModule } from './platform/redis/redis.module.js';
import { SecurityModule } from './platform/security/security.module.js';

/** The kernel (platform/*) and the product modules (modules/*). */
@Module({})
export class AppModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        ObservabilityModule,
        ContextModule,
        DbModule,
        RedisModule,
        CacheModule,
        QueueModule,
        MailModule,
        SecurityModule,
        AuditModule,
        HealthModule,
        // The product: identity and access, the tenant, chat, billing, usage.
        AuthModule,
        InvitationsModule,
        TenantModule,
        MembersModule,
        AuditApiModule,
        ChatModule,
        WidgetModule,
        BillingModule,
        UsageModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useClass: ZodValidationPipe },
      ],
    };
  }
}
