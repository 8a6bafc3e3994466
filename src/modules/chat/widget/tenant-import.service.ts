import { Injectable } from '@nestjs/common';
import { PlatformDb } from '../../../platform/db/platform-db.js';
import type { TenantRecord } from './tenants-jsonl.js';

export interface ImportedTenant {
  slug: string;
  id: string;
  created: boolean;
}

/**
 * Platform tooling (`npm run tenants:import`, `npm run db:seed`): creates or updates tenants from
 * the seed demo's tenants file, by slug. It writes across tenants, so it runs on the platform role
 * (PlatformDb); no HTTP route reaches it.
 *
 * All or nothing: the caller validates the whole file first (parseTenantsJsonl), and every tenant
 * is written in ONE transaction, so a failure half-way (a constraint, a lost connection) leaves the
 * database as it was. Safe to re-run: a second import of the same file changes nothing but
 * updated_at. Per tenant it sets:
 * - tenants: name; limit_overrides merged key by key with the file's `limits` (other keys kept);
 * - tenant_settings: display_name = name;
 * - assistant_configs: provider builtin, model, welcome_message, widget_enabled true (the sampling
 *   settings, prompt versions and any stored provider key are left as they are).
 */
@Injectable()
export class TenantImportService {
  constructor(private readonly platform: PlatformDb) {}

  async importAll(records: readonly TenantRecord[]): Promise<ImportedTenant[]> {
    return this.platform.client.$transaction(
      async (tx) => {
        const imported: ImportedTenant[] = [];
        for (const record of records) {
          const [tenant] = await tx.$queryRaw<Array<{ id: string; created: boolean; status: string }>>`
            insert into tenants (slug, name, limit_overrides)
            values (${record.id}, ${record.name}, ${JSON.stringify(record.limits)}::jsonb)
            on conflict (slug) do update
              set name = excluded.name,
                  limit_overrides = tenants.limit_overrides || excluded.limit_overrides,
                  updated_at = now()
            returning id, (xmax = 0) as created, status::text as status`;
          if (!tenant) throw new Error(`line ${record.line}: tenant '${record.id}' was not written`);
          if (tenant.status === 'deleted') throw new Error(`line ${record.line}: tenant '${record.id}' is deleted; refusing to revive it by import`);
          await tx.tenantSettings.upsert({
            where: { tenantId: tenant.id },
            create: { tenantId: tenant.id, displayName: record.name },
            update: { displayName: record.name },
          });
          const assistant = { provider: 'builtin', model: record.model, welcomeMessage: record.welcome, widgetEnabled: true };
          await tx.assistantConfig.upsert({ where: { tenantId: tenant.id }, create: { tenantId: tenant.id, ...assistant }, update: assistant });
          imported.push({ slug: record.id, id: tenant.id, created: tenant.created });
        }
        return imported;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }
}
