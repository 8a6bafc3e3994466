import { SetMetadata } from '@nestjs/common';
import type { Permission } from './permissions.js';

export const IS_PUBLIC = 'tenantry:public';
export const REQUIRED_PERMISSION = 'tenantry:permission';

/** The route needs no authentication (login, signup, health, the public widget). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The route needs an authenticated principal holding `permission` in the active tenant. */
export const RequirePermission = (permission: Permission): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_PERMISSION, permission);
