/** A row as PostgreSQL returned it (pg's type parsers, or Prisma's raw conversion in a unit of work). */
export type Row = Record<string, unknown>;

/**
 * One raw SQL statement against tenant data, and how to read its rows: what `TenantDb.batch`
 * sends several of in ONE round trip, in one implicit transaction, with the tenant set first.
 * Build it with `statement` (a tagged template: values become bind parameters, never text).
 *
 * `read` gets the rows from either path: pg's own conversion (int8 and numeric as strings,
 * timestamptz as Date, json parsed) or Prisma's raw one inside a unit of work (int8 as bigint):
 * read numbers with Number() and dates with `new Date()`.
 */
export interface Statement<T> {
  readonly text: string;
  readonly values: readonly unknown[];
  readonly read: (rows: Row[]) => T;
}

const FRAGMENT = Symbol('sql fragment');

/** The SQL of a statement, from a tagged template: `${value}` becomes `$n`; a nested `sqlText` is spliced in, its values renumbered. */
export interface SqlText {
  readonly text: string;
  readonly values: readonly unknown[];
  readonly [FRAGMENT]: true;
}

export function sqlText(strings: TemplateStringsArray, ...values: unknown[]): SqlText {
  let text = strings[0]!;
  const params: unknown[] = [];
  values.forEach((value, i) => {
    if (isFragment(value)) {
      const offset = params.length;
      text += value.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
      params.push(...value.values);
    } else {
      params.push(value);
      text += `$${params.length}`;
    }
    text += strings[i + 1]!;
  });
  return { text, values: params, [FRAGMENT]: true };
}

function isFragment(value: unknown): value is SqlText {
  return typeof value === 'object' && value !== null && (value as Partial<SqlText>)[FRAGMENT] === true;
}

/** A statement whose rows are read by `read`. */
export function statement<T>(sql: SqlText, read: (rows: Row[]) => T): Statement<T> {
  return { text: sql.text, values: sql.values, read };
}

/** Results of a batch, in the statements' order. */
export type BatchResults<S extends readonly Statement<unknown>[]> = { -readonly [K in keyof S]: S[K] extends Statement<infer T> ? T : never };

/** The error and what it wraps (cause chains, Prisma's meta and driver adapter error), a few levels deep. */
function layersOf(error: unknown): Array<Record<string, unknown>> {
  const layers: Array<Record<string, unknown>> = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && layers.length < 8) {
    const next = pending.shift();
    if (next === null || typeof next !== 'object' || layers.includes(next as Record<string, unknown>)) continue;
    const layer = next as Record<string, unknown>;
    layers.push(layer);
    pending.push(layer.cause, layer.meta, layer.driverAdapterError);
  }
  return layers;
}

/**
 * The SQLSTATE of a database error, from pg (`code`) or through Prisma's layers inside a unit of
 * work (`meta.code`, the driver adapter's `originalCode`).
 */
export function sqlStateOf(error: unknown): string | undefined {
  for (const layer of layersOf(error)) {
    // A five-character code, but not one of Prisma's own (P1000 to P6999; PostgreSQL's P0xxx are kept).
    for (const c of [layer.originalCode, layer.code]) if (typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c) && !/^P[1-9]\d{3}$/.test(c)) return c;
  }
  return undefined;
}

/** The DETAIL of a database error (what a `raise ... using detail` sent), from pg or through Prisma's layers. */
export function sqlDetailOf(error: unknown): string | undefined {
  for (const layer of layersOf(error)) if (typeof layer.detail === 'string') return layer.detail;
  return undefined;
}
