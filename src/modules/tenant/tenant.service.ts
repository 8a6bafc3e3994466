import { Injectable } from '@nestjs/common';
import { AuditLog } from '../../platform/audit/audit-log.js';
import { TenantContext } from '../../platform/context/tenant-context.js';
import { TenantDb } from '../../platform/db/tenant-db.js';
import type { UpdateTenantInput } from './dto/tenant.dto.js';
import { TenantError, TenantErrorCode } from './tenant.errors.js';
import { TenantRepository, type TenantSettingsView, type TenantView } from './tenant.repository.js';

const SETTINGS_FIELDS = ['displayName', 'locale', 'timezone', 'supportEmail'] as const;

/** The tenant in context: its profile and settings. */
@Injectable()
export class TenantService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly tenants: TenantRepository,
    private readonly audit: AuditLog,
  ) {}

  /** The tenant in context, with its settings. */
  async getCurrent(): Promise<TenantView> {
    this.ctx.requirePermission('tenant:read');
    return this.load(this.ctx.requireTenantId());
  }

  /**
   * Changes the name and settings given; audits the fields that really changed, with their new
   * values (names, locales, zones and a public support address: nothing secret).
   */
  async update(input: UpdateTenantInput): Promise<TenantView> {
    this.ctx.requirePermission('settings:update');
    const tenantId = this.ctx.requireTenantId();
    return this.db.transaction(async () => {
      const current = await this.load(tenantId);
      const changed: Record<string, unknown> = {};
      if (input.name !== undefined && input.name !== current.name) {
        await this.tenants.rename(tenantId, input.name);
        changed.name = input.name;
      }
      const settings: Partial<TenantSettingsView> = {};
      for (const field of SETTINGS_FIELDS) {
        const value = input[field];
        if (value !== undefined && value !== current.settings?.[field]) Object.assign(settings, { [field]: value });
      }
      if (Object.keys(settings).length > 0) {
        await this.tenants.saveSettings(tenantId, settings, input.name ?? current.name);
      }
      Object.assign(changed, settings);
      if (Object.keys(changed).length > 0) {
        await this.audit.record({
          action: 'tenant.settings_updated',
          targetType: 'tenant',
          targetId: tenantId,
          data: { fields: Object.keys(changed).sort(), values: changed },
        });
      }
      return this.load(tenantId);
    });
  }

  private async load(tenantId: string): Promise<TenantView> {
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw new TenantError(TenantErrorCode.NotFound, 'The tenant no longer exists');
    return tenant;
  }
}
