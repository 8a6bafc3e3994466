import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export interface NewTenant {
  id: string;
  slug: string;
  name: string;
  ownerId: string;
}

/**
 * The rows a new tenant starts with: the tenant, its settings and its owner's membership. Runs in
 * the sign-up's unit of work, in a context whose tenant is the new tenant (the settings' and the
 * membership's RLS check) and whose user is the new owner.
 */
@Injectable()
export class TenantProvisioningRepository {
  constructor(private readonly db: TenantDb) {}

  /** Any tenant, deleted ones included: a slug is never reused. (Tenants are readable by all.) */
  async slugTaken(slug: string): Promise<boolean> {
    return (await this.db.client.tenant.findFirst({ where: { slug }, select: { id: true } })) !== null;
  }

  async create(tenant: NewTenant): Promise<void> {
    await this.db.client.tenant.create({ data: { id: tenant.id, slug: tenant.slug, name: tenant.name }, select: { id: true } });
    await this.db.client.tenantSettings.create({ data: { tenantId: tenant.id, displayName: tenant.name }, select: { tenantId: true } });
    await this.db.client.membership.create({
      data: { tenantId: tenant.id, userId: tenant.ownerId, role: 'owner' },
      select: { tenantId: true },
    });
  }
}
