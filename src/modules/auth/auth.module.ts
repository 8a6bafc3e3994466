import { Global, Module } from '@nestjs/common';
import { AccessTokenPrincipals } from '../../platform/security/principal.js';
import { DbAccessTokenPrincipals } from './access-token.principals.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';

/** Identity and access: who the caller is, in which tenant, with which role. */
@Global()
@Module({
  imports: [ApiKeysModule],
  providers: [{ provide: AccessTokenPrincipals, useClass: DbAccessTokenPrincipals }],
  exports: [AccessTokenPrincipals],
})
export class AuthModule {}
