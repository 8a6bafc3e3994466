import { Global, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
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
        setup: (cls, req: { id?: string }) => {
          cls.set('ctx', { roles: [], permissions: [], requestId: req.id ?? cls.getId() });
        },
      },
    }),
  ],
  providers: [TenantContext],
  exports: [TenantContext],
})
export class ContextModule {}
