// `npm run secrets:rotate`: seals every tenant's stored secrets (assistant API keys) again under the
// current key of the keyring (the first of CHAT_ENCRYPTION_KEYS), so that an old key can then be
// removed. Online: one short unit of work per tenant, its row locked, while the API runs.
// Resumable: it only ever visits secrets not yet under the current key, in tenant id order, in
// batches; stop it (Ctrl-C finishes the tenant in hand) or kill it, and run it again to go on.
// Every API and worker instance must already have the new keyring (see docs/adr/0014).
import 'reflect-metadata';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { SealedSecrets } from '../src/modules/chat/admin/sealed-secrets.repository.js';
import { SecretRotationModule } from '../src/modules/chat/admin/secret-rotation.module.js';
import { SecretBoxError } from '../src/modules/chat/assistant/secret-box.js';
import { SecretRotationService } from '../src/modules/chat/assistant/secret-rotation.service.js';
import type { AppConfig } from '../src/platform/config/config.js';
import { ConfigModule } from '../src/platform/config/config.module.js';
import { ContextModule } from '../src/platform/context/context.module.js';
import { TenantContext } from '../src/platform/context/tenant-context.js';
import { DbModule } from '../src/platform/db/db.module.js';
import { PERMISSIONS } from '../src/platform/security/permissions.js';
import { scriptConfig } from './tenants-import.js';

export interface RotationOptions {
  /** Tenants read per cross-tenant query. */
  batchSize?: number;
  /** Stops after the tenant in hand (Ctrl-C); a later run goes on from there. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface RotationSummary {
  keyId: string;
  rotated: number;
  /** Already under the current key when reached (changed by the API meanwhile, or a concurrent run). */
  current: number;
  /** Secrets that open with no key of the ring: reported, left as they are. */
  failed: Array<{ tenantId: string; error: string }>;
  /** Secrets still not under the current key when the run ended (0 when it finished). */
  remaining: number;
  stopped: boolean;
}

export async function rotateSecrets(config: AppConfig, options: RotationOptions = {}): Promise<RotationSummary> {
  const log = options.log ?? (() => undefined);
  const batchSize = options.batchSize ?? 100;
  const app = await NestFactory.createApplicationContext(
    { module: class SecretsRotateModule {}, imports: [ConfigModule.forRoot(config), ContextModule, DbModule, SecretRotationModule] },
    { logger: false },
  );
  try {
    const sealed = app.get(SealedSecrets);
    const rotation = app.get(SecretRotationService);
    const ctx = app.get(TenantContext);
    const summary: RotationSummary = { keyId: rotation.currentKeyId, rotated: 0, current: 0, failed: [], remaining: 0, stopped: false };
    log(`secrets:rotate: ${await sealed.countNotUnder(summary.keyId)} secret(s) to seal under key '${summary.keyId}'`);
    for (let after: string | null = null; !summary.stopped; ) {
      const tenants = await sealed.tenantsNotUnder(summary.keyId, after, batchSize);
      if (tenants.length === 0) break;
      for (const tenantId of tenants) {
        if (options.signal?.aborted) {
          summary.stopped = true;
          break;
        }
        try {
          const outcome = await ctx.run({ tenantId, actor: 'system', roles: [], permissions: [...PERMISSIONS], requestId: 'secrets-rotate' }, () => rotation.rotate());
          if (outcome === 'rotated') summary.rotated++;
          else summary.current++;
        } catch (error) {
          if (!(error instanceof SecretBoxError)) throw error;
          summary.failed.push({ tenantId, error: error.message });
          log(`secrets:rotate: tenant ${tenantId}: ${error.message}`);
        }
        after = tenantId;
      }
      log(`secrets:rotate: ${summary.rotated} rotated, ${summary.failed.length} failed, up to tenant ${after}`);
    }
    summary.remaining = await sealed.countNotUnder(summary.keyId);
    return summary;
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const batchSize = args.length === 2 && args[0] === '--batch-size' ? Number(args[1]) : undefined;
  if ((args.length > 0 && batchSize === undefined) || (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0))) {
    console.error('usage: npm run secrets:rotate [-- --batch-size N]');
    process.exit(2);
  }
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log('secrets:rotate: stopping after the tenant in hand; run it again to go on');
      stop.abort();
    });
  }
  const summary = await rotateSecrets(scriptConfig(), { batchSize, signal: stop.signal, log: (line) => console.log(line) });
  console.log(
    `secrets:rotate: ${summary.stopped ? 'stopped' : 'done'}: ${summary.rotated} rotated, ${summary.current} already current, ` +
      `${summary.failed.length} failed, ${summary.remaining} not under key '${summary.keyId}'`,
  );
  if (summary.failed.length > 0 || summary.stopped) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(`secrets:rotate failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
