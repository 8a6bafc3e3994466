import { Global, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { keepContextStore } from './request-store.js';
import { TenantContext } from './tenant-context.js';

@Global()
@Module({
  imports: [
    ClsModule.forRoot({
      global: true,
      middleware: {
        mount: true,
        generateId: true,
        idGenerator: (req: { id?: string }) => req.id ?? crypto.randomUUID(),
        setup: (cls, req: { id?: string; ip?: string; socket?: { remoteAddress?: string }; headers?: Record<string, unknown> }) => {
          const agent = req.headers?.['user-agent'];
          cls.set('ctx', {
            roles: [],
            permissions: [],
            requestId: req.id ?? cls.getId(),
            ip: req.ip ?? req.socket?.remoteAddress,
            userAgent: typeof agent === 'string' ? agent.slice(0, 512) : undefined,
          });
          keepContextStore(req, cls.get());
        },
      },
    }),
  ],
  providers: [TenantContext],
  exports: [TenantContext],
})
export class ContextModule {}
