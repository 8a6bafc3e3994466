import { call, client } from '../../api/client.ts';

export interface AuditFilter {
  action?: string;
  actorId?: string;
  from?: string;
  to?: string;
}

const clean = (f: AuditFilter) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== '')) as AuditFilter;

export const listAuditEvents = (filter: AuditFilter, cursor?: string, limit = 50) =>
  call(client.GET('/api/v1/audit-events', { params: { query: { ...clean(filter), limit, ...(cursor ? { cursor } : {}) } } }));
export const verifyAuditChain = () => call(client.GET('/api/v1/audit-events/verify'));
