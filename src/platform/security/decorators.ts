import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { perRoute } from '../http/route-memo.js';
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

export const USER_SESSION_ONLY = 'tenantry:user-session-only';

/** A signed-in user's session only: an API key (which acts as no user) is refused with 403 session_required. */
export const RequireUserSession = (): MethodDecorator & ClassDecorator => SetMetadata(USER_SESSION_ONLY, true);

/** The access rules of a route, as the guard reads them (handler first, then its controller). */
export interface RouteAccess {
  isPublic: boolean;
  permission?: string;
  allowSuspendedTenant: boolean;
  platformAdminOnly: boolean;
  allowPlatformSession: boolean;
  userSessionOnly: boolean;
}

/** Reads a route's access decorators like the guard does (`Reflector.getAllAndOverride`), for the OpenAPI document. */
export function routeAccess(read: <T>(key: string) => T | undefined): RouteAccess {
  return {
    isPublic: read<boolean>(IS_PUBLIC) === true,
    permission: read<string>(REQUIRED_PERMISSION),
    allowSuspendedTenant: read<boolean>(ALLOW_SUSPENDED_TENANT) === true,
    platformAdminOnly: read<boolean>(PLATFORM_ADMIN_ONLY) === true,
    allowPlatformSession: read<boolean>(ALLOW_PLATFORM_SESSION) === true,
    userSessionOnly: read<boolean>(USER_SESSION_ONLY) === true,
  };
}

/** The access rules of the route a context runs, as `routeAccess` reads them, read once per handler. */
export const accessOfRoute: (reflector: Reflector, context: ExecutionContext) => RouteAccess = perRoute((reflector, targets) =>
  routeAccess((key) => reflector.getAllAndOverride(key, targets)),
);

/**
 * Whether the route's rules let a tenant's signed-in user with these through, as the guard decides
 * once the principal is known (for the edge, which counts only requests the guard will let pass).
 */
export function routeAdmitsUser(access: RouteAccess, user: { isPlatformAdmin: boolean; permissions: readonly string[] }): boolean {
  if (access.isPublic) return false;
  if (access.platformAdminOnly && !user.isPlatformAdmin) return false;
  return access.permission === undefined || user.permissions.includes(access.permission);
}
