import type { TenantContext } from '../../../platform/context/tenant-context.js';
import { AccessError, AccessErrorCode } from '../../../platform/security/access.errors.js';

/**
 * The access check platform-administration services start with (the route's @PlatformAdminOnly
 * is checked by the guard; this holds for any other caller too).
 */
export function requirePlatformAdmin(ctx: TenantContext): void {
  if (!ctx.current()?.isPlatformAdmin) throw new AccessError(AccessErrorCode.PlatformAdminRequired, 'Platform administrators only');
}
