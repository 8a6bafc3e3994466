import { Prisma } from '../../../generated/prisma/client.js';

/**
 * Every tenant table, read from the database catalog rather than listed by hand: a table with a
 * tenant_id column is tenant-owned (the RLS recipe, ADR 0003), so erasure and export cover a new
 * table the day its migration lands, without anyone remembering to add it here.
 */
export interface TenantTable {
  name: string;
  /** Whether the role running the query may DELETE from it (append-only tables: no). */
  deletable: boolean;
  /** Other tenant tables its foreign keys point at (delete this one before those). */
  parents: string[];
  columns: Array<{ name: string; type: string }>;
  primaryKey: string[];
}

interface CatalogRow {
  name: string;
  deletable: boolean;
  parents: string[];
  column_names: string[];
  column_types: string[];
  primary_key: string[];
}

/** The catalog query; run through TenantDb.sql (tenant role) or the platform client alike. */
export const TENANT_TABLES_QUERY = Prisma.sql`
  select c.relname::text as name,
         has_table_privilege(c.oid, 'DELETE') as deletable,
         coalesce((select array_agg(distinct p.relname::text)
                     from pg_constraint k join pg_class p on p.oid = k.confrelid
                    where k.conrelid = c.oid and k.contype = 'f' and k.confrelid <> c.oid), '{}') as parents,
         (select array_agg(a.attname::text order by a.attnum)
            from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as column_names,
         (select array_agg(format_type(a.atttypid, null) order by a.attnum)
            from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as column_types,
         coalesce((select array_agg(a.attname::text order by array_position(i.indkey::int2[], a.attnum))
                     from pg_index i join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey::int2[])
                    where i.indrelid = c.oid and i.indisprimary), '{}') as primary_key
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
     and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
   order by 1`;

/** Rows of TENANT_TABLES_QUERY, ordered so that a table comes before every table it references. */
export function toTenantTables(rows: CatalogRow[]): TenantTable[] {
  const tables = rows.map((row) => ({
    name: row.name,
    deletable: row.deletable,
    parents: row.parents,
    columns: row.column_names.map((name, i) => ({ name, type: row.column_types[i]! })),
    primaryKey: row.primary_key,
  }));
  return childrenFirst(tables);
}

/**
 * Topological order, children first: deleting in this order never trips a foreign key between
 * tenant tables, whatever its ON DELETE. A cycle (none today) keeps the remaining tables in name
 * order; their foreign keys then need ON DELETE CASCADE, which the recipe uses anyway.
 */
export function childrenFirst<T extends { name: string; parents: string[] }>(tables: T[]): T[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const children = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set()]));
  for (const t of tables) for (const p of t.parents) if (byName.has(p) && p !== t.name) children.get(p)!.add(t.name);
  const ordered: T[] = [];
  const done = new Set<string>();
  const remaining = [...tables];
  while (remaining.length > 0) {
    const ready = remaining.findIndex((t) => [...children.get(t.name)!].every((c) => done.has(c)));
    const next = remaining.splice(ready === -1 ? 0 : ready, 1)[0]!;
    ordered.push(next);
    done.add(next.name);
  }
  return ordered;
}

/** A catalog name as an SQL identifier (names come from the catalog, and are quoted all the same). */
export function identifier(name: string): Prisma.Sql {
  return Prisma.raw(`"${name.replace(/"/g, '""')}"`);
}
