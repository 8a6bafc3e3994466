import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { TenantAuthGuard } from './auth.guard.js';

@Global()
@Module({
  // AccessTokenPrincipals and ApiKeyPrincipals come from the identity module (global providers).
  providers: [AccessTokenVerifier, { provide: APP_GUARD, useClass: TenantAuthGuard }],
  exports: [AccessTokenVerifier],
})
export class SecurityModule {}
