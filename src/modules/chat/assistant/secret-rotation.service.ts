import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { AssistantSecretsRepository } from './assistant-secrets.repository.js';
import { SecretBox } from './secret-box.js';

export type RotationOutcome = 'rotated' | 'current' | 'none';

/**
 * Key rotation for the tenant in context: its stored secrets (the assistant's API key) sealed again
 * under the keyring's current key (docs/adr/0014-object-storage-and-key-rotation.md). One unit of
 * work per tenant, the row locked: safe while the API runs, and idempotent (a secret already under
 * the current key is left alone), so a rotation can be stopped and run again at any point.
 */
@Injectable()
export class SecretRotationService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly secrets: AssistantSecretsRepository,
    private readonly box: SecretBox,
  ) {}

  get currentKeyId(): string {
    return this.box.currentKeyId;
  }

  /** Throws SecretBoxError when the secret opens with no key of the ring (a removed key): nothing is written then. */
  async rotate(): Promise<RotationOutcome> {
    this.ctx.requirePermission('chat:configure');
    const tenantId = this.ctx.requireTenantId('rotating the tenant’s secrets');
    return this.db.transaction(async () => {
      const sealed = await this.secrets.lockApiKey(tenantId);
      if (!sealed) return 'none';
      if (this.box.isCurrent(sealed)) return 'current';
      await this.secrets.replaceApiKey(tenantId, this.box.seal(this.box.open(sealed, tenantId), tenantId));
      return 'rotated';
    });
  }
}
