/** The platform console's calls (platform admins only; the API answers 403 to anyone else). */
import { call, client } from '../../api/client.ts';
import type { components, paths } from '../../api/schema';

export type AdminTenant = components['schemas']['AdminTenant'];
export type AdminTenantPage = components['schemas']['AdminTenantPage'];
export type AdminTenantDetail = components['schemas']['AdminTenantDetail'];
export type CreatedTenant = components['schemas']['CreatedTenant'];
export type TenantStatus = AdminTenant['status'];
export type TenantListQuery = NonNullable<paths['/api/v1/admin/tenants']['get']['parameters']['query']>;
export type Plan = NonNullable<TenantListQuery['plan']>;

export const TENANT_STATUSES: readonly TenantStatus[] = ['active', 'suspended', 'deleted'];
export const PLANS: readonly Plan[] = ['free', 'pro', 'enterprise'];
export const TENANTS_PAGE_SIZE = 20;

export const listTenants = (query: TenantListQuery) =>
  call(client.GET('/api/v1/admin/tenants', { params: { query: { limit: TENANTS_PAGE_SIZE, ...query } } }));

export const getTenantDetail = (id: string) => call(client.GET('/api/v1/admin/tenants/{id}', { params: { path: { id } } }));

export const createTenant = (body: { name: string; slug?: string | undefined; plan: Plan; ownerEmail: string }) =>
  call(client.POST('/api/v1/admin/tenants', { body: { name: body.name, plan: body.plan, ownerEmail: body.ownerEmail, ...(body.slug ? { slug: body.slug } : {}) } }));

/** A lifecycle action of the console; each one carries the reason written to the tenant's audit log. */
export type TenantAction = 'suspend' | 'resume' | 'plan' | 'delete';

export function runTenantAction(id: string, action: TenantAction, reason: string, plan?: Plan): Promise<AdminTenant> {
  const path = { params: { path: { id } } };
  switch (action) {
    case 'suspend':
      return call(client.POST('/api/v1/admin/tenants/{id}/suspend', { ...path, body: { reason } }));
    case 'resume':
      return call(client.POST('/api/v1/admin/tenants/{id}/resume', { ...path, body: { reason } }));
    case 'plan':
      return call(client.PATCH('/api/v1/admin/tenants/{id}/plan', { ...path, body: { plan: plan!, reason } }));
    case 'delete':
      return call(client.DELETE('/api/v1/admin/tenants/{id}', { ...path, body: { reason } }));
  }
}
