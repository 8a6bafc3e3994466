// `npm run tenants:import -- FILE`: creates or updates tenants from a file in the seed demo's
// tenants.jsonl format (one JSON object per line: id = slug, name, welcome, model, limits), by slug.
// The whole file is validated first (every bad line is reported with its line number and field)
// and then written in one transaction: a bad file, or a failure half-way, writes nothing.
// Safe to re-run. `npm run db:seed` loads prisma/seed/tenants.jsonl through this same code.
import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { TenantImportService, type ImportedTenant } from '../src/modules/chat/widget/tenant-import.service.js';
import { parseTenantsJsonl } from '../src/modules/chat/widget/tenants-jsonl.js';
import { type AppConfig, loadConfig } from '../src/platform/config/config.js';
import { ConfigModule } from '../src/platform/config/config.module.js';
import { PlatformDbModule } from '../src/platform/db/platform-db.module.js';

/** Validates `file` as a whole, then imports it in one transaction. */
export async function importTenantsFile(file: string, config: AppConfig): Promise<ImportedTenant[]> {
  const records = parseTenantsJsonl(readFileSync(file, 'utf8'), file);
  const app = await NestFactory.createApplicationContext(
    { module: class TenantsImportModule {}, imports: [ConfigModule.forRoot(config), PlatformDbModule], providers: [TenantImportService] },
    { logger: false },
  );
  try {
    return await app.get(TenantImportService).importAll(records);
  } finally {
    await app.close();
  }
}

/** The configuration of the CLI scripts: the environment, with .env (if any) filling in what is unset. */
export function scriptConfig(): AppConfig {
  const envFile = path.resolve(process.cwd(), '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return loadConfig();
}

export function describeImport(imported: readonly ImportedTenant[], prefix: string): string[] {
  return imported.map((t) => `${prefix}: tenant ${t.slug} ${t.created ? 'created' : 'updated'} (${t.id})`);
}

async function main(): Promise<void> {
  const [file, ...rest] = process.argv.slice(2);
  if (!file || rest.length > 0) {
    console.error('usage: npm run tenants:import -- FILE   (one JSON object per line: id, name, welcome, model, limits)');
    process.exit(2);
  }
  const imported = await importTenantsFile(path.resolve(file), scriptConfig());
  for (const line of describeImport(imported, 'tenants:import')) console.log(line);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(`tenants:import failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
