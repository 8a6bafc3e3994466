import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TenantAuthGuard } from './auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';

@Global()
@Module({
  imports: [PassportModule],
  // AccessTokenPrincipals and ApiKeyPrincipals come from the identity module (global providers).
  providers: [JwtStrategy, { provide: APP_GUARD, useClass: TenantAuthGuard }],
})
export class SecurityModule {}
