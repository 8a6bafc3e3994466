/**
 * npm run bench:quota — quota consumption under contention, and the overshoot (must be 0).
 *
 * Each consumption is what a chat reply does to the counters: reserve 1 message (the limit
 * check, one atomic statement in its own unit of work), then settle it (used + daily history).
 * Consumers loop until the quota refuses them. Two scenarios, one run: 32 consumers on one
 * tenant (every statement queues on the same counter row), and 32 consumers spread over 10
 * tenants. Overshoot = used - limit when positive, read afterwards through the platform role.
 *
 * Then the cost of the reservation ledger, side by side in the same run (rounds alternate so the
 * machine's noise hits both alike): the same consumption through UsageService (a ledger row
 * written with the reservation and deleted by the settle) against the statements of the release
 * before the ledger (counters only, bench/pre-ledger-usage.ts), on quotas that never run out.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { PlansRepository } from '../src/modules/billing/plans/plans.repository.js';
import { TenantConfigCache } from '../src/platform/cache/tenant-config-cache.js';
import { PlansService } from '../src/modules/billing/plans/plans.service.js';
import { PlanUsageLimits } from '../src/modules/usage/plan-usage-limits.js';
import { UsageError } from '../src/modules/usage/usage.errors.js';
import { UsageRepository } from '../src/modules/usage/usage.repository.js';
import { UsageService } from '../src/modules/usage/usage.service.js';
import { loadConfig } from '../src/platform/config/config.js';
import { TenantContext } from '../src/platform/context/tenant-context.js';
import { PlatformDb } from '../src/platform/db/platform-db.js';
import { TenantDb } from '../src/platform/db/tenant-db.js';
import { prepareBenchDatabase } from './bench-database.js';
import { BenchDataModule } from './bench-module.js';
import { compare, printTable } from './measure.js';
import { PreLedgerUsage } from './pre-ledger-usage.js';

const CONSUMERS = Number(process.env.BENCH_CONSUMERS ?? 32);
const LIMIT_ONE = Number(process.env.BENCH_QUOTA ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2000);

interface Outcome {
  scenario: string;
  consumers: number;
  tenants: number;
  limit: number;
  succeeded: number;
  refused: number;
  seconds: number;
  overshoot: number;
}

async function main(): Promise<void> {
  const database = await prepareBenchDatabase('quota');
  const config = loadConfig({ ...process.env, ...database.env, LOG_LEVEL: 'silent', DB_POOL_MAX: process.env.DB_POOL_MAX ?? '20' });
  const app = await NestFactory.createApplicationContext(BenchDataModule.forRoot(config), { logger: false });
  await app.init();
  const db = app.get(TenantDb);
  const platform = app.get(PlatformDb);
  const ctx = app.get(TenantContext);
  const limits = new PlanUsageLimits(new PlansService(new PlansRepository(db, ctx), config, ctx, TenantConfigCache.uncached(ctx)));
  const usage = new UsageService(ctx, db, new UsageRepository(db), limits, config);
  const preLedger = new PreLedgerUsage(ctx, db, limits);

  let made = 0;
  const tenantsWithQuota = async (n: number, limit: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++, made++) {
      const t = await platform.client.tenant.create({
        data: { slug: `bench-quota-${made}`, name: `Bench ${made}`, limitOverrides: { messages_per_month: limit }, settings: { create: { displayName: `Bench ${made}` } } },
        select: { id: true },
      });
      ids.push(t.id);
    }
    return ids;
  };

  const run = async (scenario: string, tenants: number, limitEach: number): Promise<Outcome> => {
    const ids = await tenantsWithQuota(tenants, limitEach);
    let succeeded = 0;
    let refused = 0;
    const consumer = async (tenantId: string): Promise<void> => {
      for (;;) {
        try {
          await ctx.run({ tenantId }, async () => usage.settle(await usage.reserve({ messages: 1 }), { messages: 1 }));
          succeeded++;
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          // Reservations of 1 are always settled as 1: a refusal means the quota is used up for good.
          refused++;
          return;
        }
      }
    };
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONSUMERS }, (_, i) => consumer(ids[i % ids.length]!)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = await platform.client.usageCounter.findMany({ where: { tenantId: { in: ids }, metric: 'messages' }, select: { used: true, reserved: true } });
    const overshoot = rows.reduce((sum, r) => sum + Math.max(0, Number(r.used) + Number(r.reserved) - limitEach), 0);
    return { scenario, consumers: CONSUMERS, tenants, limit: limitEach * tenants, succeeded, refused, seconds, overshoot };
  };

  // Warm up connections and plans (not measured).
  await run('warm-up', 2, 50);
  const outcomes = [await run('one tenant (hot row)', 1, LIMIT_ONE), await run('10 tenants', 10, Math.ceil(LIMIT_ONE / 10))];

  console.log(`\nbench:quota — ${CONSUMERS} concurrent consumers, reserve(1 message) + settle per consumption, until refused`);
  console.log('scenario                 tenants  quota   succeeded  refused  seconds  consumptions/s  overshoot');
  for (const o of outcomes) {
    console.log(
      `${o.scenario.padEnd(24)} ${String(o.tenants).padStart(7)}  ${String(o.limit).padStart(5)}  ${String(o.succeeded).padStart(10)}  ${String(o.refused).padStart(7)}  ${o.seconds.toFixed(2).padStart(7)}  ${(o.succeeded / o.seconds).toFixed(0).padStart(14)}  ${String(o.overshoot).padStart(9)}`,
    );
  }
  const overshoot = outcomes.reduce((sum, o) => sum + o.overshoot, 0);
  const exact = outcomes.every((o) => o.succeeded === o.limit);
  console.log(`\novershoot: ${overshoot} (must be 0); every quota consumed exactly: ${exact ? 'yes' : 'NO'}`);

  // The ledger's cost, side by side: each variant on tenants of its own, quotas that never run out.
  const opts = { rounds: ROUNDS, roundMs: ROUND_MS, concurrency: CONSUMERS, warmupMs: 1000 };
  for (const tenants of [1, 10]) {
    const [ledgerTenants, plainTenants] = [await tenantsWithQuota(tenants, 1_000_000_000), await tenantsWithQuota(tenants, 1_000_000_000)];
    let a = 0;
    let b = 0;
    const results = await compare(
      [
        {
          name: 'with the ledger (UsageService reserve + settle)',
          op: () => ctx.run({ tenantId: ledgerTenants[a++ % tenants]! }, async () => usage.settle(await usage.reserve({ messages: 1 }), { messages: 1 })),
        },
        { name: 'counters only (before the ledger)', op: () => ctx.run({ tenantId: plainTenants[b++ % tenants]! }, () => preLedger.consumeOneMessage()) },
      ],
      opts,
    );
    console.log(`\nledger cost, ${tenants} tenant(s), ${CONSUMERS} concurrent consumers, ${ROUNDS} alternating rounds of ${ROUND_MS} ms (consumptions/s)`);
    printTable(results, 'counters only (before the ledger)');
    const left = await platform.client.usageReservation.count({ where: { tenantId: { in: ledgerTenants } } });
    if (left !== 0) {
      console.log(`ledger rows left after settling every reservation: ${left} (must be 0)`);
      process.exitCode = 1;
    }
  }

  await app.close();
  await database.drop();
  if (overshoot !== 0 || !exact) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
