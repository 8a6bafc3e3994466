import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { identifier, type TenantTable } from '../lifecycle/tenant-tables.js';

/** JSON cannot hold these exactly (int8 beyond 2^53, numeric) or at all (bytea): text or hex instead. */
const AS_TEXT = new Set(['bigint', 'numeric', 'bigint[]', 'numeric[]']);
const AS_HEX = new Set(['bytea']);
/** Type names from the catalog (format_type), spliced into casts: checked all the same. */
const TYPE_NAME = /^[a-z][a-z0-9 _]*(\[\])?$/;

/** Where the next page starts: the last row's key values, as text. */
export type RowKey = string[];

export interface RowPage {
  /** Each row as JSON text, ready to be written into the archive. */
  rows: string[];
  /** The key of the last row, for the next page; null when this page was the last. */
  next: RowKey | null;
}

export interface MemberPage {
  users: Array<{ id: string; email: string; name: string; createdAt: Date; updatedAt: Date }>;
  next: string | null;
}

/**
 * The export's reads, one page at a time: every statement runs through the tenant role with the
 * tenant bound (RLS: another tenant's rows cannot come back, whatever the query says) and returns
 * at most `limit` rows, in key order (keyset pagination on the primary key; ctid for a table
 * without one), so an archive of any size is read with bounded memory.
 */
@Injectable()
export class ExportRowsRepository {
  constructor(private readonly db: TenantDb) {}

  /** A page of the tenant's rows of `table` after `after`, as JSON text without the `omit` columns. */
  async tablePage(table: TenantTable, tenantId: string, omit: readonly string[], after: RowKey | null, limit: number): Promise<RowPage> {
    const kept = table.columns.filter((c) => !omit.includes(c.name));
    const exact = kept.flatMap((c) => {
      const column = identifier(c.name);
      if (AS_TEXT.has(c.type)) return [Prisma.sql`${c.name}::text, t.${column}::${Prisma.raw(c.type.endsWith('[]') ? 'text[]' : 'text')}`];
      if (AS_HEX.has(c.type)) return [Prisma.sql`${c.name}::text, encode(t.${column}, 'hex')`];
      return [];
    });
    const base = omit.length > 0 ? Prisma.sql`(to_jsonb(t) - ${[...omit]}::text[])` : Prisma.sql`to_jsonb(t)`;
    const row = exact.length > 0 ? Prisma.sql`${base} || jsonb_build_object(${Prisma.join(exact)})` : base;

    const keys = keyColumns(table);
    const keyList = Prisma.join(keys.map((k) => Prisma.sql`t.${identifier(k.name)}`));
    const keyText = Prisma.join(keys.map((k) => Prisma.sql`t.${identifier(k.name)}::text`));
    const from = after
      ? Prisma.sql`and (${keyList}) > (${Prisma.join(keys.map((k, i) => Prisma.sql`${after[i]}::${Prisma.raw(k.type)}`))})`
      : Prisma.empty;
    const rows = await this.db.sql<{ row: string; key: string[] }>`
      select (${row})::text as row, array[${keyText}] as key
      from ${identifier(table.name)} t
      where t.tenant_id = ${tenantId}::uuid ${from}
      order by ${keyList}
      limit ${limit}`;
    return { rows: rows.map((r) => r.row), next: rows.length === limit ? rows[rows.length - 1]!.key : null };
  }

  /** A page of the users who are members of the tenant (no credentials), by id. */
  async membersPage(tenantId: string, after: string | null, limit: number): Promise<MemberPage> {
    const users = await this.db.client.user.findMany({
      where: { memberships: { some: { tenantId } }, ...(after && { id: { gt: after } }) },
      orderBy: { id: 'asc' },
      take: limit,
      select: { id: true, email: true, name: true, createdAt: true, updatedAt: true },
    });
    return { users, next: users.length === limit ? users[users.length - 1]!.id : null };
  }

  /** The tenant's own row (platform-level table, keyed by id), as JSON text. */
  async tenantRow(tenantId: string): Promise<string | null> {
    const [found] = await this.db.sql<{ row: string }>`select to_jsonb(t)::text as row from tenants t where t.id = ${tenantId}::uuid`;
    return found?.row ?? null;
  }
}

/** The columns that order the table's pages: its primary key, else the physical row id. */
function keyColumns(table: TenantTable): Array<{ name: string; type: string }> {
  if (table.primaryKey.length === 0) return [{ name: 'ctid', type: 'tid' }];
  return table.primaryKey.map((name) => {
    const type = table.columns.find((c) => c.name === name)?.type;
    if (!type || !TYPE_NAME.test(type)) throw new Error(`cannot page ${table.name} by ${name} (type ${String(type)})`);
    return { name, type };
  });
}
