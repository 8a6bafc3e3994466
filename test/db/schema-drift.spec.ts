import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase, withAdminClient } from '../support/database.js';

/**
 * Prisma's schema engine cannot run here, so nothing else proves that prisma/schema/*.prisma (what the client
 * believes) and prisma/migrations (what the database is) describe the same tables. This file does, model
 * by model and column by column, in both directions, for schema `public`.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCHEMA_DIR = path.join(ROOT, 'prisma/schema');
const CLIENT_CLASS_FILE = path.join(ROOT, 'src/generated/prisma/internal/class.ts');

// ---- prisma/schema/*.prisma, read the way Prisma reads it (enough of it for tables and columns) ----

interface Field {
  name: string;
  type: string;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  list: boolean;
  optional: boolean;
  column: string;
  /** @db.X(args), when given. */
  native?: { type: string; args: string[] };
  ignored: boolean;
}

interface Model {
  name: string;
  table: string;
  ignored: boolean;
  fields: Field[];
}

interface EnumType {
  name: string;
  dbName: string;
  values: string[];
}

const SCALARS = new Set(['String', 'Boolean', 'Int', 'BigInt', 'Float', 'Decimal', 'DateTime', 'Json', 'Bytes']);

function withoutComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== '\\') inString = !inString;
    if (!inString && line.startsWith('//', i)) return line.slice(0, i).trim();
  }
  return line.trim();
}

function parseSchema(source: string): { models: Model[]; enums: Map<string, EnumType> } {
  const blocks: Array<{ keyword: string; name: string; lines: string[] }> = [];
  let current: (typeof blocks)[number] | undefined;
  for (const line of source.split(/\r?\n/).map(withoutComment)) {
    const start = /^(model|enum|view|type|generator|datasource)\s+(\w+)\s*\{$/.exec(line);
    if (start) blocks.push((current = { keyword: start[1] as string, name: start[2] as string, lines: [] }));
    else if (line === '}') current = undefined;
    else if (current && line) current.lines.push(line);
  }
  const mapOf = (text: string, attribute: string): string | undefined =>
    new RegExp(`${attribute}\\(\\s*(?:name:\\s*)?"([^"]*)"`).exec(text)?.[1];

  const enums = new Map<string, EnumType>();
  for (const block of blocks.filter((b) => b.keyword === 'enum')) {
    const values = block.lines.filter((l) => !l.startsWith('@@')).map((l) => mapOf(l, '@map') ?? (l.split(/\s/)[0] as string));
    const dbName = block.lines.map((l) => mapOf(l, '@@map')).find(Boolean) ?? block.name;
    enums.set(block.name, { name: block.name, dbName, values });
  }
  const modelNames = new Set(blocks.filter((b) => b.keyword === 'model').map((b) => b.name));

  const models = blocks
    .filter((b) => b.keyword === 'model')
    .map((block): Model => {
      const table = block.lines.map((l) => mapOf(l, '@@map')).find(Boolean);
      const fields = block.lines
        .filter((l) => !l.startsWith('@@'))
        .map((line): Field => {
          const match = /^(\w+)\s+(Unsupported\("(?:[^"\\]|\\.)*"\)|[\w.]+)(\[\])?(\?)?(.*)$/.exec(line);
          if (!match) throw new Error(`prisma/schema/*.prisma: cannot read field line "${line}" in model ${block.name}`);
          const [, name, type, list, optional, attributes] = match as unknown as [string, string, string, string | undefined, string | undefined, string];
          const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(attributes);
          const kind = type.startsWith('Unsupported(')
            ? 'unsupported'
            : SCALARS.has(type)
              ? 'scalar'
              : enums.has(type)
                ? 'enum'
                : 'object';
          if (kind === 'object' && !modelNames.has(type)) {
            throw new Error(`prisma/schema/*.prisma: field ${block.name}.${name} has type ${type}, which this test does not know`);
          }
          return {
            name,
            type,
            kind,
            list: Boolean(list),
            optional: Boolean(optional),
            column: mapOf(attributes, '@map') ?? name,
            native: native ? { type: native[1] as string, args: native[2] ? native[2].split(',').map((a) => a.trim()) : [] } : undefined,
            ignored: /@ignore\b/.test(attributes),
          };
        });
      return {
        name: block.name,
        table: table ?? block.name,
        ignored: block.lines.some((l) => /^@@ignore\b/.test(l)),
        fields,
      };
    });
  return { models, enums };
}

// ---- what a field should look like in information_schema.columns ----

const DEFAULT_NATIVE: Record<string, string> = {
  String: 'Text',
  Boolean: 'Boolean',
  Int: 'Integer',
  BigInt: 'BigInt',
  Float: 'DoublePrecision',
  Decimal: 'Decimal',
  DateTime: 'Timestamp',
  Json: 'JsonB',
  Bytes: 'ByteA',
};
/** Prisma's default precision when the field has no @db attribute. */
const DEFAULT_ARGS: Record<string, string[]> = { DateTime: ['3'], Decimal: ['65', '30'] };
const NATIVE_UDT: Record<string, string> = {
  Text: 'text',
  VarChar: 'varchar',
  Char: 'bpchar',
  Uuid: 'uuid',
  Xml: 'xml',
  Inet: 'inet',
  Citext: 'citext',
  Bit: 'bit',
  VarBit: 'varbit',
  Boolean: 'bool',
  Integer: 'int4',
  SmallInt: 'int2',
  Oid: 'oid',
  BigInt: 'int8',
  DoublePrecision: 'float8',
  Real: 'float4',
  Decimal: 'numeric',
  Money: 'money',
  Timestamp: 'timestamp',
  Timestamptz: 'timestamptz',
  Date: 'date',
  Time: 'time',
  Timetz: 'timetz',
  Json: 'json',
  JsonB: 'jsonb',
  ByteA: 'bytea',
};

interface Column {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  character_maximum_length: number | null;
  datetime_precision: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
}

/** `udt(size)` as a string both sides can be compared (and read) by; undefined when not checkable. */
function expectedType(field: Field, enums: Map<string, EnumType>): string | undefined {
  if (field.kind === 'unsupported') return undefined;
  if (field.kind === 'enum') return `${field.list ? '_' : ''}${enums.get(field.type)?.dbName} (enum)`;
  const native = field.native?.type ?? DEFAULT_NATIVE[field.type];
  const udt = (native === undefined ? undefined : NATIVE_UDT[native]) ?? `@db.${native} (unknown to this test: add it to NATIVE_UDT)`;
  // information_schema does not report an array element's size.
  if (field.list) return `_${udt}`;
  const args = field.native ? field.native.args : (DEFAULT_ARGS[field.type] ?? []);
  return args.length > 0 ? `${udt}(${args.join(',')})` : udt;
}

function actualType(column: Column, expected: string): string {
  if (column.data_type === 'USER-DEFINED' && expected.endsWith('(enum)')) return `${column.udt_name} (enum)`;
  if (!expected.includes('(')) return column.udt_name;
  const size =
    column.character_maximum_length ??
    column.datetime_precision ??
    (column.numeric_precision === null ? null : `${column.numeric_precision},${column.numeric_scale}`);
  return `${column.udt_name}(${size ?? ''})`;
}

// ---- the checks ----

// One .prisma file per module; Prisma reads the folder as one schema.
const schema = parseSchema(
  readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.prisma'))
    .sort()
    .map((f) => readFileSync(path.join(SCHEMA_DIR, f), 'utf8'))
    .join('\n'),
);
const LEDGER_TABLE = '_prisma_migrations';

let db: TestDatabase;
let columnsByTable: Map<string, Map<string, Column>>;
let enumsInDb: Map<string, string[]>;

beforeAll(async () => {
  db = await createTestDatabase();
  await withAdminClient(async (client) => {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const columns = await client.query<Column>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, character_maximum_length::int,
              datetime_precision::int, numeric_precision::int, numeric_scale::int
         FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    columnsByTable = new Map(tables.rows.map((t) => [t.table_name, new Map<string, Column>()]));
    for (const column of columns.rows) columnsByTable.get(column.table_name)?.set(column.column_name, column);
    const enums = await client.query<{ name: string; labels: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' GROUP BY t.typname`,
    );
    enumsInDb = new Map(enums.rows.map((e) => [e.name, e.labels]));
  }, db.name);
});

afterAll(async () => {
  await db?.drop();
});

describe('prisma/schema/*.prisma agrees with the migrated database', () => {
  it('reads prisma/schema/*.prisma as the generated client does (same models, fields and database names)', () => {
    expect(existsSync(CLIENT_CLASS_FILE)).toBe(true); // else: npm run prisma:generate
    const literal = /config\.runtimeDataModel = JSON\.parse\(("(?:[^"\\]|\\.)*")\)/.exec(readFileSync(CLIENT_CLASS_FILE, 'utf8'))?.[1];
    expect(literal).toBeDefined();
    const runtime = JSON.parse(JSON.parse(literal as string) as string) as {
      models: Record<string, { dbName: string | null; fields: Array<{ name: string; kind: string; type: string; dbName?: string }> }>;
    };
    const fromClient = Object.entries(runtime.models).map(([name, model]) => ({
      name,
      table: model.dbName ?? name,
      fields: model.fields.map((f) => `${f.name}: ${f.kind} ${f.type} -> ${f.dbName ?? f.name}`),
    }));
    const fromSchema = schema.models
      .filter((m) => !m.ignored)
      .map((m) => ({
        name: m.name,
        table: m.table,
        fields: m.fields
          .filter((f) => !f.ignored && f.kind !== 'unsupported')
          .map((f) => `${f.name}: ${f.kind} ${f.type} -> ${f.column}`),
      }));
    // A difference here means a stale client (run npm run prisma:generate) or a gap in this test's parser.
    expect(fromSchema).toEqual(fromClient);
  });

  it.each(schema.models.map((m) => [m.name, m] as const))('model %s: its table and every column exist with the right type and nullability', (_name, model) => {
    const columns = columnsByTable.get(model.table);
    expect(columns ? [] : [`model ${model.name}: table "${model.table}" does not exist`]).toEqual([]);
    const problems: string[] = [];
    for (const field of model.fields.filter((f) => f.kind !== 'object')) {
      const where = `${model.name}.${field.name} (column ${model.table}.${field.column})`;
      const column = columns?.get(field.column);
      if (!column) {
        problems.push(`${where}: column does not exist`);
        continue;
      }
      // Prisma creates scalar lists without NOT NULL and cannot mark them optional: nothing to compare.
      const nullable = column.is_nullable === 'YES';
      if (!field.list && nullable !== field.optional) {
        problems.push(`${where}: column is ${nullable ? 'NULL' : 'NOT NULL'}, prisma/schema/*.prisma says ${field.optional ? 'optional (?)' : 'required'}`);
      }
      const expected = expectedType(field, schema.enums);
      const actual = expected === undefined ? undefined : actualType(column, expected);
      if (actual !== expected) problems.push(`${where}: type is ${actual}, prisma/schema/*.prisma expects ${expected}`);
    }
    expect(problems).toEqual([]);
  });

  it('every table and column in schema public belongs to a model field', () => {
    const problems: string[] = [];
    for (const [table, columns] of columnsByTable) {
      if (table === LEDGER_TABLE) continue;
      const model = schema.models.find((m) => m.table === table);
      if (!model) {
        problems.push(`table "${table}" has no model in prisma/schema/*.prisma`);
        continue;
      }
      const mapped = new Set(model.fields.filter((f) => f.kind !== 'object').map((f) => f.column));
      for (const column of columns.keys()) {
        if (!mapped.has(column)) problems.push(`table "${table}" (model ${model.name}) has column "${column}" that no field maps to`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every enum is a type with the same values, and every enum type is in prisma/schema/*.prisma', () => {
    const fromSchema = Object.fromEntries([...schema.enums.values()].map((e) => [e.dbName, [...e.values].sort()]));
    const fromDb = Object.fromEntries([...enumsInDb].map(([name, labels]) => [name, [...labels].sort()]));
    expect(fromDb).toEqual(fromSchema);
  });
});
