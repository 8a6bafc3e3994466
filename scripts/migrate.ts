// `npm run db:migrate` (after `npm run build`): creates the database and login roles if needed and
// applies prisma/migrations. Reads only the three database URLs, so it runs without the app's other
// settings (Redis, JWT) being present.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { migrate } from '../src/platform/db/migrator.js';

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' });
const schema = z.object({
  DATABASE_URL: postgresUrl,
  APP_DATABASE_URL: postgresUrl,
  PLATFORM_DATABASE_URL: postgresUrl,
});

async function main(): Promise<void> {
  const envFile = path.resolve(process.cwd(), '.env');
  // Variables already set in the environment win over the file.
  if (existsSync(envFile)) process.loadEnvFile(envFile);

  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    // Name the variable, never its value: the URLs carry passwords.
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return process.env[name] ? `${name} ${issue.message}` : `${name} is required`;
    });
    throw new Error(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }

  const summary = await migrate({
    ownerUrl: parsed.data.DATABASE_URL,
    appUrl: parsed.data.APP_DATABASE_URL,
    platformUrl: parsed.data.PLATFORM_DATABASE_URL,
    migrationsDir: path.resolve(process.cwd(), 'prisma/migrations'),
    log: (message) => console.log(`db:migrate: ${message}`),
  });
  const applied = summary.applied.length > 0 ? ` (${summary.applied.join(', ')})` : '';
  console.log(
    `db:migrate: database "${summary.database}": applied ${summary.applied.length}${applied}, ` +
      `${summary.skipped} already applied`,
  );
}

main().catch((err: unknown) => {
  console.error(`db:migrate failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
