import { Injectable } from '@nestjs/common';
import type { TenantTable } from '../lifecycle/tenant-tables.js';
import { TenantTablesRepository } from '../lifecycle/tenant-tables.repository.js';
import { TenantExportsRepository } from './tenant-exports.repository.js';

export const ARCHIVE_FORMAT = 'tenantry.export/v1';

/** Columns never exported: credential verifiers, encrypted secrets, and earlier archives. */
const OMIT_EVERYWHERE = new Set(['password_hash', 'token_hash', 'key_hash']);
const OMIT_IN_TABLE: Readonly<Record<string, readonly string[]>> = { tenant_exports: ['archive', 'error'] };

export function omittedColumns(table: TenantTable): string[] {
  return table.columns
    .map((c) => c.name)
    .filter((name) => OMIT_EVERYWHERE.has(name) || name.endsWith('_encrypted') || OMIT_IN_TABLE[table.name]?.includes(name));
}

export interface ExportArchive {
  format: typeof ARCHIVE_FORMAT;
  exportId: string;
  generatedAt: string;
  tenant: Record<string, unknown>;
  /** The members' user records (no password hashes). */
  users: Array<Record<string, unknown>>;
  /** Every tenant table, by table name: the tenant's rows, bigint and numeric as strings, bytea as hex. */
  tables: Record<string, Array<Record<string, unknown>>>;
}

/**
 * Builds the JSON archive of everything the tenant in context owns: its tenant row, the members'
 * user records and every tenant table found in the catalog, read under RLS (another tenant's rows
 * cannot be in it, whatever the query says).
 */
@Injectable()
export class ExportArchiveBuilder {
  constructor(
    private readonly tables: TenantTablesRepository,
    private readonly exports: TenantExportsRepository,
  ) {}

  async build(tenantId: string, exportId: string): Promise<Uint8Array<ArrayBuffer>> {
    const archive: ExportArchive = {
      format: ARCHIVE_FORMAT,
      exportId,
      generatedAt: new Date().toISOString(),
      tenant: (await this.tables.tenantRowAsJson(tenantId)) ?? {},
      users: (await this.exports.members(tenantId)).map((u) => ({ ...u })),
      tables: {},
    };
    for (const table of [...(await this.tables.list())].sort((a, b) => a.name.localeCompare(b.name))) {
      archive.tables[table.name] = await this.tables.rowsAsJson(table, tenantId, omittedColumns(table));
    }
    return new Uint8Array(Buffer.from(JSON.stringify(archive, jsonSafe), 'utf8'));
  }
}

/** bigint as a string and bytes as hex, wherever they come from (JSON has neither). */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}
