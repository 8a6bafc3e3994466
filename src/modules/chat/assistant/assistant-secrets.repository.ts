import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

/** The sealed secrets of the tenant in context, for key rotation (RLS: this tenant's row only). */
@Injectable()
export class AssistantSecretsRepository {
  constructor(private readonly db: TenantDb) {}

  /**
   * The sealed API key, locked for the rest of the unit of work: an administrator's concurrent
   * change waits for the rotation, and the rotation never writes over a newer key.
   */
  async lockApiKey(tenantId: string): Promise<Uint8Array | null> {
    const [row] = await this.db.sql<{ sealed: Uint8Array | null }>`
      select api_key_encrypted as sealed from assistant_configs where tenant_id = ${tenantId}::uuid for update`;
    return row?.sealed ?? null;
  }

  /** Replaces the sealed key (the same secret, sealed again); updated_at stays: nothing changed for the tenant. */
  async replaceApiKey(tenantId: string, sealed: Uint8Array<ArrayBuffer>): Promise<void> {
    await this.db.sql`update assistant_configs set api_key_encrypted = ${sealed} where tenant_id = ${tenantId}::uuid returning 1 as updated`;
  }
}
