import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { TenantTable } from '../lifecycle/tenant-tables.js';
import { TenantTablesRepository } from '../lifecycle/tenant-tables.repository.js';
import { ExportRowsRepository, type RowKey } from './export-rows.repository.js';

export const ARCHIVE_FORMAT = 'tenantry.export/v1';
export const ARCHIVE_CONTENT_TYPE = 'application/json';
/** Rows read per statement, and written per chunk: what bounds the memory of an export. */
export const EXPORT_PAGE_ROWS = 1000;

/** Columns never exported: credential verifiers, encrypted secrets, and earlier archives. */
const OMIT_EVERYWHERE = new Set(['password_hash', 'token_hash', 'key_hash']);
const OMIT_IN_TABLE: Readonly<Record<string, readonly string[]>> = { tenant_exports: ['archive', 'error', 'storage_key'] };

export function omittedColumns(table: TenantTable): string[] {
  return table.columns
    .map((c) => c.name)
    .filter((name) => OMIT_EVERYWHERE.has(name) || name.endsWith('_encrypted') || OMIT_IN_TABLE[table.name]?.includes(name));
}

/**
 * The archive's layout (one JSON document), written in this order:
 * `{"format", "exportId", "generatedAt", "tenant", "users": [...], "tables": {"<name>": [...], ...}}`.
 * The users are the members' user records (no password hashes); every tenant table comes by name
 * with the tenant's rows, bigint and numeric as strings, bytea as hex.
 */
export interface ExportArchive {
  format: typeof ARCHIVE_FORMAT;
  exportId: string;
  generatedAt: string;
  tenant: Record<string, unknown>;
  users: Array<Record<string, unknown>>;
  tables: Record<string, Array<Record<string, unknown>>>;
}

/**
 * Writes the JSON archive of everything the tenant in context owns, as a stream: the tenant row,
 * the members' user records and every tenant table found in the catalog, read under RLS one page
 * of EXPORT_PAGE_ROWS at a time and written as it is read. The stream is pulled by its consumer
 * (object storage), so a slow upload slows the reads instead of piling rows up in memory.
 */
@Injectable()
export class ExportArchiveWriter {
  constructor(
    private readonly tables: TenantTablesRepository,
    private readonly rows: ExportRowsRepository,
  ) {}

  stream(tenantId: string, exportId: string): Readable {
    return Readable.from(this.chunks(tenantId, exportId), { objectMode: false });
  }

  private async *chunks(tenantId: string, exportId: string): AsyncGenerator<Buffer> {
    const head = { format: ARCHIVE_FORMAT, exportId, generatedAt: new Date().toISOString() };
    const tenant = (await this.rows.tenantRow(tenantId)) ?? '{}';
    yield Buffer.from(`${JSON.stringify(head).slice(0, -1)},"tenant":${tenant},"users":[`);
    let first = true;
    for (let after: string | null = null; ; ) {
      const page = await this.rows.membersPage(tenantId, after, EXPORT_PAGE_ROWS);
      if (page.users.length > 0) yield Buffer.from(`${first ? '' : ','}${page.users.map((u) => JSON.stringify(u)).join(',')}`);
      first = first && page.users.length === 0;
      if (!page.next) break;
      after = page.next;
    }
    yield Buffer.from('],"tables":{');
    const tables = [...(await this.tables.list())].sort((a, b) => a.name.localeCompare(b.name));
    for (const [i, table] of tables.entries()) {
      yield Buffer.from(`${i === 0 ? '' : ','}${JSON.stringify(table.name)}:[`);
      yield* this.tableRows(table, tenantId);
      yield Buffer.from(']');
    }
    yield Buffer.from('}}');
  }

  private async *tableRows(table: TenantTable, tenantId: string): AsyncGenerator<Buffer> {
    const omit = omittedColumns(table);
    let first = true;
    for (let after: RowKey | null = null; ; ) {
      const page = await this.rows.tablePage(table, tenantId, omit, after, EXPORT_PAGE_ROWS);
      if (page.rows.length > 0) yield Buffer.from(`${first ? '' : ','}${page.rows.join(',')}`);
      first = first && page.rows.length === 0;
      if (!page.next) return;
      after = page.next;
    }
  }
}
