import { Global, Module } from '@nestjs/common';
import { ApiKeyPrincipals } from '../../../platform/security/principal.js';
import { ApiKeyPrincipalResolver } from './api-key.principals.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';

/** Tenant API keys: their management routes, and their authentication for the global guard. */
@Global()
@Module({
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeysService, { provide: ApiKeyPrincipals, useClass: ApiKeyPrincipalResolver }],
  exports: [ApiKeyPrincipals, ApiKeysService],
})
export class ApiKeysModule {}
