/**
 * One measured export, in a process of its own (bench/export.bench.ts starts it): boots the
 * application without HTTP or workers, records an export of BENCH_TENANT_ID as pending, builds it
 * through TenantExportsService.build (what the job runs), and prints one JSON line: the RSS after
 * boot, the peak RSS of the process (getrusage maxrss) and the archive's size and time.
 * It uses only what the service offered before object storage too, so the same file measures the
 * code of an earlier commit (BENCH_EXPORT_BASELINE_DIST).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { AppModule } from '../src/app.module.js';
import { TenantExportsService } from '../src/modules/tenant/exports/tenant-exports.service.js';
import { loadConfig } from '../src/platform/config/config.js';
import { TenantContext } from '../src/platform/context/tenant-context.js';
import { PERMISSIONS } from '../src/platform/security/permissions.js';

const MB = 1024 * 1024;

async function main(): Promise<void> {
  const tenantId = process.env.BENCH_TENANT_ID!;
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', WORKER_ENABLED: 'false' });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
  await app.init();
  const exportId = randomUUID();
  const owner = new pg.Client({ connectionString: config.env.DATABASE_URL });
  await owner.connect();
  await owner.query('insert into tenant_exports (tenant_id, id) values ($1, $2)', [tenantId, exportId]);

  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const baseline = process.memoryUsage.rss();
  let sampledPeak = baseline;
  let heapPeak = 0;
  let externalPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    sampledPeak = Math.max(sampledPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapTotal);
    externalPeak = Math.max(externalPeak, m.external);
  }, 5);
  const started = performance.now();
  const outcome = await app
    .get(TenantContext)
    .run({ tenantId, actor: 'system', roles: [], permissions: [...PERMISSIONS] }, () => app.get(TenantExportsService).build(exportId, { lastAttempt: true }));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const peak = Math.max(sampledPeak, process.resourceUsage().maxRSS * 1024);
  global.gc?.();
  // With --expose-gc: what the export left reachable (a leak would show here, garbage would not).
  const retainedMb = global.gc ? Math.round((process.memoryUsage().heapUsed - heapBefore) / MB) : undefined;
  const { rows } = await owner.query<{ size_bytes: number }>('select size_bytes from tenant_exports where id = $1', [exportId]);
  await owner.end();
  await app.close();
  console.log(
    JSON.stringify({
      outcome,
      sizeMb: +(rows[0]!.size_bytes / MB).toFixed(1),
      seconds: +seconds.toFixed(1),
      rssAfterBootMb: Math.round(baseline / MB),
      peakRssMb: Math.round(peak / MB),
      growthMb: Math.round((peak - baseline) / MB),
      heapTotalPeakMb: Math.round(heapPeak / MB),
      externalPeakMb: Math.round(externalPeak / MB),
      retainedMb,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
