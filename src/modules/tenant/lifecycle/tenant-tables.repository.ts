import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { identifier, TENANT_TABLES_QUERY, type TenantTable, toTenantTables } from './tenant-tables.js';

/** JSON cannot hold these exactly (int8 beyond 2^53, numeric) or at all (bytea): text or hex instead. */
const AS_TEXT = new Set(['bigint', 'numeric', 'bigint[]', 'numeric[]']);
const AS_HEX = new Set(['bytea']);

/**
 * Generic access to every tenant table of the tenant in context (see tenant-tables.ts), through the
 * tenant role: RLS applies to every statement, so even a wrong `where` cannot reach another
 * tenant's rows.
 */
@Injectable()
export class TenantTablesRepository {
  constructor(private readonly db: TenantDb) {}

  /** The tenant tables, children before the tables they reference. */
  async list(): Promise<TenantTable[]> {
    return toTenantTables(await this.db.sql`${TENANT_TABLES_QUERY}`);
  }

  /** Deletes up to `limit` of the tenant's rows from `table`; returns how many went. */
  async deleteBatch(table: TenantTable, tenantId: string, limit: number): Promise<number> {
    const t = identifier(table.name);
    const [row] = await this.db.sql<{ n: number }>`
      with gone as (
        delete from ${t} where ctid = any(array(select ctid from ${t} where tenant_id = ${tenantId}::uuid limit ${limit}))
        returning 1
      )
      select count(*)::int as n from gone`;
    return row?.n ?? 0;
  }

  /**
   * The tenant's rows of `table` as JSON objects, in primary-key order, without the `omit` columns.
   * Exact types survive: bigint and numeric as strings, bytea as hex.
   */
  async rowsAsJson(table: TenantTable, tenantId: string, omit: readonly string[]): Promise<Array<Record<string, unknown>>> {
    const kept = table.columns.filter((c) => !omit.includes(c.name));
    const exact = kept.flatMap((c) => {
      const column = identifier(c.name);
      if (AS_TEXT.has(c.type)) return [Prisma.sql`${c.name}::text, t.${column}::${Prisma.raw(c.type.endsWith('[]') ? 'text[]' : 'text')}`];
      if (AS_HEX.has(c.type)) return [Prisma.sql`${c.name}::text, encode(t.${column}, 'hex')`];
      return [];
    });
    const base = omit.length > 0 ? Prisma.sql`(to_jsonb(t) - ${[...omit]}::text[])` : Prisma.sql`to_jsonb(t)`;
    const row = exact.length > 0 ? Prisma.sql`${base} || jsonb_build_object(${Prisma.join(exact)})` : base;
    const orderBy = table.primaryKey.length > 0 ? Prisma.join(table.primaryKey.map((c) => Prisma.sql`t.${identifier(c)}`)) : Prisma.sql`t.ctid`;
    const rows = await this.db.sql<{ row: Record<string, unknown> }>`
      select ${row} as row from ${identifier(table.name)} t where t.tenant_id = ${tenantId}::uuid order by ${orderBy}`;
    return rows.map((r) => r.row);
  }

  /** The tenant's own row (platform-level table, keyed by id), as JSON. */
  async tenantRowAsJson(tenantId: string): Promise<Record<string, unknown> | null> {
    const [found] = await this.db.sql<{ row: Record<string, unknown> }>`select to_jsonb(t) as row from tenants t where t.id = ${tenantId}::uuid`;
    return found?.row ?? null;
  }
}
