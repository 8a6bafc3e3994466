import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../platform/db/tenant-db.js';

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  status: 'active' | 'suspended' | 'deleted';
  createdAt: Date;
  settings: { displayName: string; locale: string; timezone: string; supportEmail: string | null } | null;
}

@Injectable()
export class TenantRepository {
  constructor(private readonly db: TenantDb) {}

  findById(tenantId: string): Promise<TenantView | null> {
    return this.db.client.tenant.findUnique({
      where: { id: tenantId },
      select: {
        id: true,
        slug: true,
        name: true,
        status: true,
        createdAt: true,
        settings: { select: { displayName: true, locale: true, timezone: true, supportEmail: true } },
      },
    });
  }
}
