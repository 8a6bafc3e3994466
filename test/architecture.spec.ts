import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

/**
 * Static checks over src/**\/*.ts that keep tenant isolation structural: one way to reach the
 * database (src/platform/db/), and the RLS-bypassing platform role out of tenant-facing code.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Who may use PlatformDb (the BYPASSRLS role: every tenant's rows, no policy applies). A request
 * handled by tenant-facing code must stay inside RLS, so only these places may import it:
 */
const MAY_USE_PLATFORM_DB: readonly RegExp[] = [
  /^src\/platform\/db\//, // the data layer that defines and provides it
  /^src\/modules\/[^/]+\/admin\//, // a module's platform-administration side (staff-only routes and jobs)
  /^src\/modules\/platform-admin\//, // the platform administration module
  /^src\/platform\/mail\//, // the mail worker: platform infrastructure delivering email_outbox (the tenant role may only INSERT there), never a route
  /^src\/modules\/billing\/inbox\//, // the Stripe webhook inbox: platform infrastructure (events come before any tenant is known and name other tenants' customers), behind StripeInbox's methods
  /^src\/modules\/usage\/expired-reservations\//, // the reservation sweep's one cross-tenant read (which tenants have expired reservations), read only; the releases run per tenant under RLS
  /^src\/modules\/chat\/interrupted-replies\//, // the interrupted-replies sweep's one cross-tenant read (which tenants have replies pending past the deadline), read only; the replies are failed per tenant under RLS
  /^src\/modules\/tenant\/expired-exports\//, // the export purge's one cross-tenant read (which tenants have expired exports), read only; the deletes run per tenant under RLS
  // Platform tooling, never a route: `npm run tenants:import` and `npm run db:seed` upsert tenants by slug, across tenants; only scripts/ provide it
  /^src\/modules\/chat\/widget\/tenant-import\.service\.ts$/,
];

/** Who may open connections: the data layer alone, so that every query goes through TenantDb or PlatformDb. */
const MAY_REACH_THE_DATABASE: readonly RegExp[] = [/^src\/platform\/db\//];

const PLATFORM_DB_FILES = new Set(['src/platform/db/platform-db.ts', 'src/platform/db/platform-db.module.ts']);
const PLATFORM_DB_NAMES = /\bPlatformDb(Module)?\b/;
/** Database drivers and Prisma's driver adapter: each is a way around TenantDb. */
const DRIVER_PACKAGES = /^(pg|pg-pool|pg-native|pg-cursor|pg-query-stream|postgres|@prisma\/adapter-pg)(\/|$)/;
const CONSTRUCTS_PRISMA_CLIENT = /\b(new|extends)\s+PrismaClient\b/;

interface Import {
  /** As written: 'pg', '../../platform/db/platform-db.js'. */
  specifier: string;
  /** The repository path a relative specifier resolves to (the .ts source), else undefined. */
  resolved?: string;
  /** What is imported: `{ PlatformDb }`, `pg`, `type { Pool }` (empty for side effects and dynamic imports). */
  names: string;
}

const IMPORT_PATTERNS: readonly RegExp[] = [
  /\b(?:import|export)\s+((?:type\s+)?[\w*{}\s,$]+?)\s+from\s+['"]([^'"]+)['"]/g, // import x from 'm'; export { x } from 'm'
  /\bimport\s+()['"]([^'"]+)['"]/g, // import 'm'
  /\b(?:import|require)\s*\(()\s*['"]([^'"]+)['"]\s*\)/g, // import('m'), require('m')
];

function importsOf(file: string, source: string): Import[] {
  const found: Import[] = [];
  for (const pattern of IMPORT_PATTERNS) {
    for (const [, names, specifier] of source.matchAll(pattern)) {
      const resolved = specifier!.startsWith('.')
        ? path.posix.join(path.posix.dirname(file), specifier!).replace(/\.js$/, '.ts')
        : undefined;
      found.push({ specifier: specifier!, resolved, names: names!.trim() });
    }
  }
  return found;
}

const allowed = (file: string, allowList: readonly RegExp[]): boolean => allowList.some((pattern) => pattern.test(file));

/** Every rule broken by the given files (repository path → source), one line each. */
function violations(files: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [file, source] of Object.entries(files)) {
    for (const imported of importsOf(file, source)) {
      const platformDb = (imported.resolved && PLATFORM_DB_FILES.has(imported.resolved)) || PLATFORM_DB_NAMES.test(imported.names);
      if (platformDb && !allowed(file, MAY_USE_PLATFORM_DB)) found.push(`${file} imports PlatformDb (from '${imported.specifier}')`);
      if (DRIVER_PACKAGES.test(imported.specifier) && !allowed(file, MAY_REACH_THE_DATABASE)) {
        found.push(`${file} imports the database driver '${imported.specifier}'`);
      }
    }
    if (CONSTRUCTS_PRISMA_CLIENT.test(source) && !allowed(file, MAY_REACH_THE_DATABASE)) found.push(`${file} constructs a PrismaClient`);
  }
  return found;
}

/** src/**\/*.ts, keyed by repository path; the generated Prisma client is not ours to check. */
function sourceTree(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(path.join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (!file.startsWith('src/generated/')) files[file] = readFileSync(path.join(ROOT, file), 'utf8');
  }
  return files;
}

describe('architecture of src/', () => {
  const tree = sourceTree();

  it('only the data layer and platform administration use PlatformDb; only the data layer reaches the database', () => {
    expect(violations(tree)).toEqual([]);
  });

  it('queues are registered through registerQueues, and jobs are added through QueueProducer', () => {
    // A queue registered directly would print Redis errors to console.error; an unbounded add or
    // getJob would hang a request, and its transaction, for as long as Redis is away.
    const direct = Object.entries(tree)
      .filter(([file]) => !file.startsWith('src/platform/queue/'))
      .flatMap(([file, source]) => [
        ...(/BullModule\.registerQueue\(/.test(source) ? [`${file}: BullModule.registerQueue`] : []),
        ...(/\.(add|getJob|addBulk)\(/.test(source) && /@InjectQueue\(/.test(source) && !/\bproducer\s*\.run\(/.test(source) ? [`${file}: queue calls outside QueueProducer.run`] : []),
      ]);
    expect(direct).toEqual([]);
    expect(Object.values(tree).some((source) => /registerQueues\(/.test(source))).toBe(true);
  });

  // Without this, a scanner that silently matched nothing would make the rule above pass.
  it('the scanner sees the data layer’s own database access', () => {
    const specifiers = (file: string) => importsOf(file, tree[file] ?? '').map((i) => i.resolved ?? i.specifier);
    expect(specifiers('src/platform/db/platform-db.module.ts')).toContain('src/platform/db/platform-db.ts');
    expect(specifiers('src/platform/db/tenant-bound-pool.ts')).toContain('pg');
    expect(tree['src/platform/db/tenant-db.ts']).toMatch(CONSTRUCTS_PRISMA_CLIENT);
  });
});

describe('the architecture rules themselves', () => {
  it('flag PlatformDb in tenant-facing code, imported directly, through its module, or re-exported', () => {
    expect(
      violations({
        'src/modules/chat/chat.service.ts': "import { PlatformDb } from '../../platform/db/platform-db.js';",
        'src/modules/chat/chat.module.ts': "import { PlatformDbModule } from '../../platform/db/platform-db.module.js';",
        'src/modules/chat/chat.repository.ts': "import {\n  type Foo,\n  PlatformDb,\n} from '../../platform/db/index.js';",
        'src/platform/http/lazy.ts': "const m = await import('../db/platform-db.js');",
      }),
    ).toEqual([
      "src/modules/chat/chat.service.ts imports PlatformDb (from '../../platform/db/platform-db.js')",
      "src/modules/chat/chat.module.ts imports PlatformDb (from '../../platform/db/platform-db.module.js')",
      "src/modules/chat/chat.repository.ts imports PlatformDb (from '../../platform/db/index.js')",
      "src/platform/http/lazy.ts imports PlatformDb (from '../db/platform-db.js')",
    ]);
  });

  it('allow PlatformDb in platform administration code', () => {
    expect(
      violations({
        'src/modules/billing/admin/billing-admin.service.ts': "import { PlatformDb } from '../../../platform/db/platform-db.js';",
        'src/modules/platform-admin/tenants.service.ts': "import { PlatformDb } from '../../platform/db/platform-db.js';",
      }),
    ).toEqual([]);
  });

  it('flag a driver import or a new PrismaClient outside the data layer', () => {
    expect(
      violations({
        'src/modules/usage/usage.repository.ts': "import pg from 'pg';\nimport type { Pool } from 'pg';",
        'src/platform/health/health.service.ts': "import { PrismaPg } from '@prisma/adapter-pg';",
        'src/modules/chat/chat.repository.ts': 'const prisma = new PrismaClient({ adapter });',
      }),
    ).toEqual([
      "src/modules/usage/usage.repository.ts imports the database driver 'pg'",
      "src/modules/usage/usage.repository.ts imports the database driver 'pg'",
      "src/platform/health/health.service.ts imports the database driver '@prisma/adapter-pg'",
      'src/modules/chat/chat.repository.ts constructs a PrismaClient',
    ]);
  });
});
