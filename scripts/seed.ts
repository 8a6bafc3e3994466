// `npm run db:seed`: the demo data the README's start command loads — the seed demo app's tenants
// (prisma/seed/tenants.jsonl: acme, globex and initech, with their welcome message, built-in model,
// chat limit and the widget enabled), imported by slug through the same code as
// `npm run tenants:import`, and the demo users (scripts/demo-users.ts: owner, admin and member of
// acme, a platform admin; their password is in the README). Safe to re-run.
import path from 'node:path';
import { seedDemoUsers } from './demo-users.js';
import { describeImport, importTenantsFile, scriptConfig } from './tenants-import.js';

const SEED_FILE = 'prisma/seed/tenants.jsonl';

async function main(): Promise<void> {
  const config = scriptConfig();
  const imported = await importTenantsFile(path.resolve(process.cwd(), SEED_FILE), config);
  for (const line of describeImport(imported, 'db:seed')) console.log(line);
  for (const line of await seedDemoUsers(config)) console.log(line);
}

main().catch((err: unknown) => {
  console.error(`db:seed failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
