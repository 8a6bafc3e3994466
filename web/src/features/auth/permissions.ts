/**
 * The API's one permission matrix (src/platform/security/permissions.ts), imported as is so that the
 * app hides exactly what the server refuses. The role comes from GET /me; the server still decides.
 */
import { type Permission, ROLE_PERMISSIONS, type Role } from '../../../../src/platform/security/permissions.ts';

export type { Permission, Role };
export { PERMISSIONS, ROLES } from '../../../../src/platform/security/permissions.ts';

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role ? ROLE_PERMISSIONS[role].includes(permission) : false;
}
