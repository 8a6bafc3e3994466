import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { TenantAuthGuard } from './auth.guard.js';
import { EdgeAdmission } from './edge-admission.js';

@Global()
@Module({
  // AccessTokenPrincipals and ApiKeyPrincipals come from the identity module (global providers).
  imports: [RateLimitModule],
  providers: [AccessTokenVerifier, EdgeAdmission, { provide: APP_GUARD, useClass: TenantAuthGuard }],
  exports: [AccessTokenVerifier, EdgeAdmission],
})
export class SecurityModule {}
