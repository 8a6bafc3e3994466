import { Global, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { TenantContext } from './tenant-context.js';

/**
 * The context store (nestjs-cls's AsyncLocalStorage). HTTP requests enter it in a Fastify hook
 * (request-scope.ts, installed by createApp), not through nestjs-cls's middleware; jobs and
 * scripts enter it with TenantContext.run.
 */
@Global()
@Module({
  imports: [ClsModule.forRoot({ global: true, middleware: { mount: false } })],
  providers: [TenantContext],
  exports: [TenantContext],
})
export class ContextModule {}
