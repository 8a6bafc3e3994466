import { Injectable } from '@nestjs/common';
import { PlatformDb } from '../../../platform/db/platform-db.js';

/**
 * Key rotation's one cross-tenant read: which tenants hold a secret not sealed under a given key.
 * Read only, through the platform role; the secrets are opened and sealed again per tenant, under
 * RLS (SecretRotationService). A value sealed under key `id` starts with the bytes
 * `2, length(id), id` (SecretBox's second format), which is what the query compares.
 */
@Injectable()
export class SealedSecrets {
  constructor(private readonly platform: PlatformDb) {}

  /** Up to `limit` tenants after `after` (by id) whose assistant API key is not sealed under `keyId`. */
  async tenantsNotUnder(keyId: string, after: string | null, limit: number): Promise<string[]> {
    const rows = await this.platform.client.$queryRaw<Array<{ tenant_id: string }>>`
      select tenant_id::text from assistant_configs
      where api_key_encrypted is not null
        and substring(api_key_encrypted from 1 for ${2 + Buffer.byteLength(keyId)}::int)
            is distinct from ${Buffer.concat([Buffer.of(2, Buffer.byteLength(keyId)), Buffer.from(keyId)])}
        and (${after}::uuid is null or tenant_id > ${after}::uuid)
      order by tenant_id
      limit ${limit}`;
    return rows.map((r) => r.tenant_id);
  }

  /** How many secrets are not sealed under `keyId` (what a rotation has left to do). */
  async countNotUnder(keyId: string): Promise<number> {
    const [row] = await this.platform.client.$queryRaw<Array<{ n: number }>>`
      select count(*)::int as n from assistant_configs
      where api_key_encrypted is not null
        and substring(api_key_encrypted from 1 for ${2 + Buffer.byteLength(keyId)}::int)
            is distinct from ${Buffer.concat([Buffer.of(2, Buffer.byteLength(keyId)), Buffer.from(keyId)])}`;
    return row?.n ?? 0;
  }
}
