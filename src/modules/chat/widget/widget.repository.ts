import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export interface WidgetTenantRow {
  id: string;
  slug: string;
  name: string;
  status: 'active' | 'suspended' | 'deleted';
  limitOverrides: unknown;
}

/**
 * The widget's own reads. `tenants` is platform-level and readable by the tenant-facing role (the
 * public widget resolves a slug before any tenant is known); everything else the widget touches
 * goes through ChatService and AssistantService, in the tenant's context.
 */
@Injectable()
export class WidgetRepository {
  constructor(private readonly db: TenantDb) {}

  findTenantBySlug(slug: string): Promise<WidgetTenantRow | null> {
    return this.db.client.tenant.findFirst({
      where: { slug },
      select: { id: true, slug: true, name: true, status: true, limitOverrides: true },
    });
  }
}
