/** The tenants list's URL search params (a search, filters and a cursor survive a reload and a shared link). */
import type { Plan, TenantStatus } from './api.ts';

export interface TenantsSearch {
  q?: string;
  status?: TenantStatus;
  plan?: Plan;
  cursor?: string;
}

const STATUSES: readonly string[] = ['active', 'suspended', 'deleted'];
const PLAN_IDS: readonly string[] = ['free', 'pro', 'enterprise'];

/** Keeps what the API accepts and drops the rest (an unknown filter would answer 400). */
export function tenantsSearch(search: Record<string, unknown>): TenantsSearch {
  const text = (v: unknown, max: number) => (typeof v === 'string' && v.trim() !== '' && v.length <= max ? v : undefined);
  const q = text(search.q, 100)?.trim();
  const status = typeof search.status === 'string' && STATUSES.includes(search.status) ? (search.status as TenantStatus) : undefined;
  const plan = typeof search.plan === 'string' && PLAN_IDS.includes(search.plan) ? (search.plan as Plan) : undefined;
  const cursor = text(search.cursor, 500);
  return { ...(q ? { q } : {}), ...(status ? { status } : {}), ...(plan ? { plan } : {}), ...(cursor ? { cursor } : {}) };
}
