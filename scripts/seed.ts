// `npm run db:seed`: the demo data the README's start command loads — the seed demo app's tenants
// (prisma/seed/tenants.jsonl: acme, globex, initech), upserted by slug. Safe to re-run.
import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { loadConfig } from '../src/platform/config/config.js';
import { ConfigModule } from '../src/platform/config/config.module.js';
import { PlatformDb } from '../src/platform/db/platform-db.js';
import { PlatformDbModule } from '../src/platform/db/platform-db.module.js';

const seedTenant = z.object({
  id: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a slug'),
  name: z.string().min(1).max(200),
});

async function main(): Promise<void> {
  const envFile = path.resolve(process.cwd(), '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(
    { module: class SeedModule {}, imports: [ConfigModule.forRoot(config), PlatformDbModule] },
    { logger: false },
  );
  const db = app.get(PlatformDb);
  const file = path.resolve(process.cwd(), 'prisma/seed/tenants.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  for (const [i, line] of lines.entries()) {
    const parsed = seedTenant.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')} ${x.message}`).join('; ')}`);
    const { id: slug, name } = parsed.data;
    await db.client.tenant.upsert({
      where: { slug },
      create: { slug, name, settings: { create: { displayName: name } } },
      update: { name },
    });
    console.log(`db:seed: tenant ${slug} (${name})`);
  }
  await app.close();
}

main().catch((err: unknown) => {
  console.error(`db:seed failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
