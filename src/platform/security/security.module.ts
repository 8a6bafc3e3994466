import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TenantAuthGuard } from './auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { PrincipalResolver } from './principal-resolver.js';

@Global()
@Module({
  imports: [PassportModule],
  providers: [JwtStrategy, PrincipalResolver, { provide: APP_GUARD, useClass: TenantAuthGuard }],
  exports: [PrincipalResolver],
})
export class SecurityModule {}
