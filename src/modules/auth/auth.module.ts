import { Global, Module } from '@nestjs/common';
import { RateLimitModule } from '../../platform/rate-limit/rate-limit.module.js';
import { AccessTokenPrincipals } from '../../platform/security/principal.js';
import { DbAccessTokenPrincipals } from './access-token.principals.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { AuthController } from './auth.controller.js';
import { AuthScope } from './auth-scope.js';
import { LoginService } from './login/login.service.js';
import { AccountService } from './me/account.service.js';
import { MeController } from './me/me.controller.js';
import { MeService } from './me/me.service.js';
import { PasswordResetService } from './password-reset/password-reset.service.js';
import { PasswordResetsRepository } from './password-reset/password-resets.repository.js';
import { SetPasswordLinks } from './password-reset/set-password-links.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { PrincipalsRepository } from './principals.repository.js';
import { AccessTokenIssuer } from './sessions/access-token.issuer.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { SessionsService } from './sessions/sessions.service.js';
import { SignupService } from './signup/signup.service.js';
import { TenantProvisioningRepository } from './signup/tenant-provisioning.repository.js';
import { LoginThrottle } from './throttle/login-throttle.js';
import { UsersRepository } from './users.repository.js';

/**
 * Identity and access: who the caller is, in which tenant, with which role (the principal the
 * global guard resolves), and the routes that make sessions: sign-up, sign-in, refresh, sign-out,
 * switch-tenant, password reset, /me.
 */
@Global()
@Module({
  imports: [ApiKeysModule, RateLimitModule],
  controllers: [AuthController, MeController],
  providers: [
    { provide: AccessTokenPrincipals, useClass: DbAccessTokenPrincipals },
    PrincipalsRepository,
    AuthScope,
    UsersRepository,
    PasswordHasher,
    LoginThrottle,
    AccessTokenIssuer,
    SessionsRepository,
    SessionsService,
    LoginService,
    TenantProvisioningRepository,
    SignupService,
    PasswordResetsRepository,
    PasswordResetService,
    SetPasswordLinks,
    MeService,
    AccountService,
  ],
  // PasswordHasher and the policy (passwords/password-policy.ts) are for every flow that sets a
  // password, e.g. accepting an invitation as a new user. SetPasswordLinks is for every flow that
  // emails a set-password link, e.g. the owner a platform admin creates.
  exports: [AccessTokenPrincipals, PasswordHasher, SessionsService, SetPasswordLinks],
})
export class AuthModule {}
