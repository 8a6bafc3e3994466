/**
 * npm run bench:rls — the cost of tenant isolation.
 *
 * Prints, from one run, the throughput of a tenant-scoped read through TenantDb (tenant-facing
 * role, RLS, tenant set in the same transaction) divided by the same read through the platform
 * role (BYPASSRLS) with an explicit WHERE tenant_id. Also shown: Prisma's published RLS sample
 * (a batch transaction per operation) and a three-read unit of work against three plain reads.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '../src/platform/config/config.js';
import { TenantContext } from '../src/platform/context/tenant-context.js';
import { PlatformDb } from '../src/platform/db/platform-db.js';
import { TenantDb } from '../src/platform/db/tenant-db.js';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { BenchDataModule } from './bench-module.js';
import { compare, printTable } from './measure.js';
import { prepareBenchDatabase } from './bench-database.js';

const TENANTS = 50;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1500);

async function main(): Promise<void> {
  const database = await prepareBenchDatabase('rls');
  const config = loadConfig({ ...process.env, ...database.env, LOG_LEVEL: 'silent' });
  const app = await NestFactory.createApplicationContext(BenchDataModule.forRoot(config), { logger: false });
  await app.init();
  const tenantDb = app.get(TenantDb);
  const platform = app.get(PlatformDb);
  const ctx = app.get(TenantContext);

  const tenantIds: string[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const t = await platform.client.tenant.create({ data: { slug: `bench-${i}`, name: `Bench ${i}`, settings: { create: { displayName: `Bench ${i}` } } } });
    tenantIds.push(t.id);
  }
  let next = 0;
  const pick = (): string => tenantIds[next++ % TENANTS]!;

  // Prisma's published RLS sample, reproduced faithfully: a client on the tenant-facing role whose
  // every operation becomes a batch transaction [set_config, operation].
  const samplePool = new pg.Pool({ connectionString: config.env.APP_DATABASE_URL, max: config.env.DB_POOL_MAX });
  const sampleBase = new PrismaClient({ adapter: new PrismaPg(samplePool) });
  const prismaSample = sampleBase.$extends({
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          const [, result] = await sampleBase.$transaction([
            sampleBase.$executeRaw`select set_config('app.tenant_id', ${ctx.requireTenantId()}, true)`,
            query(args),
          ]);
          return result;
        },
      },
    },
  });

  const results = await compare(
    [
      {
        name: 'platform role, explicit WHERE tenant_id (baseline)',
        op: () => platform.client.tenantSettings.findFirst({ where: { tenantId: pick() } }),
      },
      {
        name: 'TenantDb: tenant role + RLS, tenant set in-transaction',
        op: () => {
          const tenantId = pick();
          return ctx.run({ tenantId }, () => tenantDb.client.tenantSettings.findFirst({ where: { tenantId } }));
        },
      },
      {
        name: "Prisma's published sample (batch tx per operation)",
        op: () => {
          const tenantId = pick();
          return ctx.run({ tenantId }, () => prismaSample.tenantSettings.findFirst({ where: { tenantId } }));
        },
      },
    ],
    { rounds: ROUNDS, roundMs: ROUND_MS, concurrency: CONCURRENCY, warmupMs: 1000 },
  );
  console.log(`\nSingle tenant-scoped read, ${TENANTS} tenants, concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds of ${ROUND_MS} ms`);
  printTable(results, results[0]!.name);

  const uow = await compare(
    [
      {
        name: 'platform role: 3 reads with WHERE tenant_id (baseline)',
        op: async () => {
          const tenantId = pick();
          await platform.client.tenantSettings.findUnique({ where: { tenantId } });
          await platform.client.tenant.findUnique({ where: { id: tenantId } });
          await platform.client.tenantSettings.count({ where: { tenantId } });
        },
      },
      {
        name: 'TenantDb.transaction: the same 3 reads in one unit of work',
        op: () => {
          const tenantId = pick();
          return ctx.run({ tenantId }, () =>
            tenantDb.transaction(async (tx) => {
              await tx.tenantSettings.findUnique({ where: { tenantId } });
              await tx.tenant.findUnique({ where: { id: tenantId } });
              await tx.tenantSettings.count({ where: { tenantId } });
            }),
          );
        },
      },
    ],
    { rounds: ROUNDS, roundMs: ROUND_MS, concurrency: CONCURRENCY, warmupMs: 500 },
  );
  console.log(`\nUnit of work of three reads, same settings`);
  printTable(uow, uow[0]!.name);

  const ratio = results[1]!.opsPerSec / results[0]!.opsPerSec;
  console.log(`\nRESULT rls_read_ratio=${ratio.toFixed(3)} (target >= 0.90)`);
  await sampleBase.$disconnect();
  await samplePool.end();
  await app.close();
  await database.drop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
