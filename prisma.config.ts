// Prisma CLI configuration. Migrations are plain SQL applied by `npm run db:migrate` (scripts/migrate.ts);
// the URL here is only read by Prisma commands that talk to a database (e.g. `prisma migrate deploy`
// on a machine that has Prisma's schema engine).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/tenantry' },
});
