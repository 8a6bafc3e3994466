import { Global, Module } from '@nestjs/common';
import { ApiKeyPrincipals } from '../../../platform/security/principal.js';
import { ApiKeyPrincipalResolver } from './api-key.principals.js';

@Global()
@Module({
  providers: [{ provide: ApiKeyPrincipals, useClass: ApiKeyPrincipalResolver }],
  exports: [ApiKeyPrincipals],
})
export class ApiKeysModule {}
