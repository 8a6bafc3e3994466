/**
 * The one permission matrix. Routes declare the permission they need (@RequirePermission) and
 * services check it again (TenantContext.hasPermission / AccessPolicy) so that jobs and admin tools
 * cannot bypass a rule that only a controller enforced.
 */
export const ROLES = ['owner', 'admin', 'billing', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'tenant:read',
  'settings:update',
  'members:read',
  'members:invite',
  'members:manage',
  'billing:read',
  'billing:manage',
  'chat:use',
  'chat:configure',
  'usage:read',
  'audit:read',
  'api-keys:manage',
  'tenant:delete',
  'tenant:export',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const MEMBER: Permission[] = ['tenant:read', 'members:read', 'chat:use', 'usage:read'];
const BILLING: Permission[] = [...MEMBER, 'billing:read', 'billing:manage'];
const ADMIN: Permission[] = [
  ...BILLING,
  'settings:update',
  'members:invite',
  'members:manage',
  'chat:configure',
  'audit:read',
  'api-keys:manage',
  'tenant:export',
];
const OWNER: Permission[] = [...ADMIN, 'tenant:delete'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: OWNER,
  admin: ADMIN,
  billing: BILLING,
  member: MEMBER,
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function permissionsOf(roles: readonly Role[]): Permission[] {
  return [...new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r]))];
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}
