import { tokenHash } from '../../src/platform/crypto/tokens.js';
import { newApiKey } from '../../src/modules/auth/api-keys/api-key-format.js';
import type { Permission } from '../../src/platform/security/permissions.js';
import type { TestApp } from '../support/http-app.js';

/**
 * Read-backs and extra builders for the members, invitations and mailer specs, through the owner
 * connection (no RLS): what really is in the tables. Users and members come from TestApp's factories.
 */

/**
 * An API key of the tenant with these scopes, made by `createdBy` (a member: a key's scopes are
 * capped by its creator's current role, and a key without one holds none); returns the raw key.
 */
export async function makeApiKey(t: TestApp, tenantId: string, scopes: Permission[], createdBy: string): Promise<string> {
  const { raw, prefix } = newApiKey(tenantId);
  await t.owner.query('insert into api_keys (tenant_id, name, prefix, key_hash, scopes, created_by) values ($1, $2, $3, $4, $5, $6)', [
    tenantId,
    'test key',
    prefix,
    Buffer.from(tokenHash(raw)),
    scopes,
    createdBy,
  ]);
  return raw;
}

export async function roleOf(t: TestApp, tenantId: string, userId: string): Promise<string | null> {
  const { rows } = await t.owner.query<{ role: string }>('select role from memberships where tenant_id = $1 and user_id = $2', [tenantId, userId]);
  return rows[0]?.role ?? null;
}

/** userId -> role, for every membership of the tenant. */
export async function rolesIn(t: TestApp, tenantId: string): Promise<Map<string, string>> {
  const { rows } = await t.owner.query<{ user_id: string; role: string }>('select user_id, role from memberships where tenant_id = $1', [tenantId]);
  return new Map(rows.map((r) => [r.user_id, r.role]));
}

export async function ownersIn(t: TestApp, tenantId: string): Promise<string[]> {
  return [...(await rolesIn(t, tenantId))].filter(([, role]) => role === 'owner').map(([userId]) => userId);
}

export interface AuditRow {
  action: string;
  actor_type: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
}

export async function auditEvents(t: TestApp, tenantId: string, action?: string): Promise<AuditRow[]> {
  const { rows } = await t.owner.query<AuditRow>(
    `select action, actor_type, actor_id, target_type, target_id, data from audit_events where tenant_id = $1 ${action ? 'and action = $2' : ''} order by seq`,
    action ? [tenantId, action] : [tenantId],
  );
  return rows;
}
