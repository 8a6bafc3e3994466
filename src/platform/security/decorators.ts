import { SetMetadata } from '@nestjs/common';
import type { Permission } from './permissions.js';

export const IS_PUBLIC = 'tenantry:public';
export const REQUIRED_PERMISSION = 'tenantry:permission';
export const ALLOW_SUSPENDED_TENANT = 'tenantry:allow-suspended';
export const PLATFORM_ADMIN_ONLY = 'tenantry:platform-admin';
export const ALLOW_PLATFORM_SESSION = 'tenantry:allow-platform-session';

/** The route needs no authentication (login, signup, health, the public widget). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The route needs an authenticated principal holding `permission` in the active tenant. */
export const RequirePermission = (permission: Permission): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_PERMISSION, permission);

/** A suspended tenant may still use this route (billing, export); every other route answers 403. */
export const AllowSuspendedTenant = (): MethodDecorator & ClassDecorator => SetMetadata(ALLOW_SUSPENDED_TENANT, true);

/** Platform administrators only (a flag on the user, not a tenant role). */
export const PlatformAdminOnly = (): MethodDecorator & ClassDecorator => SetMetadata(PLATFORM_ADMIN_ONLY, true);

/**
 * A platform session (a platform admin signed in to no tenant, `typ: platform`) may use this route
 * too, with no tenant in context (GET /me). Every other route that is not @PlatformAdminOnly
 * refuses it with 403 tenant_required.
 */
export const AllowPlatformSession = (): MethodDecorator & ClassDecorator => SetMetadata(ALLOW_PLATFORM_SESSION, true);
