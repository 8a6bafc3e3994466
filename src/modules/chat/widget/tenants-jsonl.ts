import { z } from 'zod';
import { BUILTIN_MODELS } from '../providers/builtin-provider.js';

/**
 * The seed demo's tenants file (tenants.jsonl): one JSON object per line,
 *   {"id": "acme", "name": "Acme Corp", "welcome": "Howdy from Acme!", "model": "mock-1", "limits": {"chat_per_10s": 8}}
 * where `id` is the tenant's slug. Blank lines are skipped. Unknown fields are refused (a typo must
 * not silently import a tenant without its welcome message).
 */
export const tenantLineSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a slug: a-z, 0-9 and inner hyphens, at most 63 characters'),
  name: z.string().trim().min(1).max(200),
  welcome: z.string().trim().min(1).max(1000),
  model: z.enum(BUILTIN_MODELS, { error: `must be a built-in model (${BUILTIN_MODELS.join(', ')})` }),
  limits: z.strictObject({ chat_per_10s: z.number().int().min(1).max(100_000) }).partial().default({}),
});

export type TenantRecord = z.output<typeof tenantLineSchema> & { line: number };

export interface LineProblem {
  line: number;
  field: string;
  message: string;
}

/** The file is refused as a whole: every problem found, each naming its line and field. */
export class TenantsFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: LineProblem[],
  ) {
    super(`${source}: ${problems.length} problem(s), nothing imported:\n${problems.map((p) => `  ${source}:${p.line}: ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'TenantsFileError';
  }
}

/** Parses and validates the whole file; throws TenantsFileError listing every bad line (nothing is partial). */
export function parseTenantsJsonl(text: string, source = 'tenants.jsonl'): TenantRecord[] {
  const records: TenantRecord[] = [];
  const problems: LineProblem[] = [];
  const firstLineOf = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      problems.push({ line, field: '(line)', message: `not valid JSON (${(error as Error).message})` });
      return;
    }
    const parsed = tenantLineSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) problems.push({ line, field: [...issue.path, key].join('.'), message: 'unknown field' });
        } else {
          problems.push({ line, field: issue.path.join('.') || '(line)', message: issue.message });
        }
      }
      return;
    }
    const first = firstLineOf.get(parsed.data.id);
    if (first !== undefined) {
      problems.push({ line, field: 'id', message: `duplicate slug '${parsed.data.id}' (first on line ${first})` });
      return;
    }
    firstLineOf.set(parsed.data.id, line);
    records.push({ ...parsed.data, line });
  });
  if (problems.length > 0) throw new TenantsFileError(source, problems);
  if (records.length === 0) throw new TenantsFileError(source, [{ line: 1, field: '(file)', message: 'no tenants in the file' }]);
  return records;
}
