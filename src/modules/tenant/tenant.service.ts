import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../platform/context/tenant-context.js';
import { TenantError, TenantErrorCode } from './tenant.errors.js';
import { TenantRepository, type TenantView } from './tenant.repository.js';

@Injectable()
export class TenantService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly tenants: TenantRepository,
  ) {}

  /** The tenant in context, with its settings. */
  async getCurrent(): Promise<TenantView> {
    this.ctx.requirePermission('tenant:read');
    const tenant = await this.tenants.findById(this.ctx.requireTenantId());
    if (!tenant) throw new TenantError(TenantErrorCode.NotFound, 'The tenant no longer exists');
    return tenant;
  }
}
