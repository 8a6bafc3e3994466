import { Injectable } from '@nestjs/common';
import { PlatformDb } from '../../../platform/db/platform-db.js';
import { identifier, TENANT_TABLES_QUERY, toTenantTables } from '../lifecycle/tenant-tables.js';

/**
 * The last step of a tenant's erasure, which the tenant role may not take: the rows of its
 * append-only tables (no DELETE grant: the audit log, prompt versions) and the tenant row itself.
 */
@Injectable()
export class TenantErasureRepository {
  constructor(private readonly platform: PlatformDb) {}

  /**
   * Deletes whatever rows of the tenant remain in any tenant table, then the tenant row, in one
   * transaction; only for a tenant whose erasure has been claimed (deleted, deleted_at set).
   * Returns the rows deleted per table (tables with none left out).
   */
  eraseRemainder(tenantId: string): Promise<Record<string, number>> {
    return this.platform.client.$transaction(
      async (tx) => {
        const claimed = await tx.$queryRaw<Array<{ id: string }>>`
          select id from tenants where id = ${tenantId}::uuid and status = 'deleted' and deleted_at is not null for update`;
        if (claimed.length === 0) return {};
        const rows: Record<string, number> = {};
        for (const table of toTenantTables(await tx.$queryRaw(TENANT_TABLES_QUERY))) {
          const [gone] = await tx.$queryRaw<Array<{ n: number }>>`
            with gone as (delete from ${identifier(table.name)} where tenant_id = ${tenantId}::uuid returning 1)
            select count(*)::int as n from gone`;
          if (gone && gone.n > 0) rows[table.name] = gone.n;
        }
        await tx.tenant.delete({ where: { id: tenantId }, select: { id: true } });
        return rows;
      },
      { timeout: 60_000 },
    );
  }
}
