import { Module } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { PlatformDbModule } from '../../../platform/db/platform-db.module.js';
import { AssistantSecretsRepository } from '../assistant/assistant-secrets.repository.js';
import { SecretBox } from '../assistant/secret-box.js';
import { SecretRotationService } from '../assistant/secret-rotation.service.js';
import { SealedSecrets } from './sealed-secrets.repository.js';

/**
 * Platform tooling, never a route: `npm run secrets:rotate` (scripts/secrets-rotate.ts) finds the
 * tenants whose secrets are not under the current key (SealedSecrets, platform role, read only)
 * and rotates each in its own context, under RLS (SecretRotationService).
 */
@Module({
  imports: [PlatformDbModule],
  providers: [
    SealedSecrets,
    AssistantSecretsRepository,
    SecretRotationService,
    { provide: SecretBox, useFactory: (config: AppConfig) => new SecretBox(config.chatEncryptionKeys), inject: [AppConfig] },
  ],
  exports: [SealedSecrets, SecretRotationService],
})
export class SecretRotationModule {}
