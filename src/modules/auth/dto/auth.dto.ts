import { z } from 'zod';
import { zodDto } from '../../../platform/http/validation.js';
import { PASSWORD_MAX_LENGTH } from '../passwords/password-policy.js';

/**
 * Auth bodies are strict: a field the route does not define (role, tenantId, isPlatformAdmin,
 * userId, …) is a 400, never silently dropped and never applied. Password strength beyond the
 * length cap is checked by the services (it needs the account's email).
 */
const email = z.string().trim().toLowerCase().pipe(z.email().max(254));
/** Bounded here so that no one makes the server hash a megabyte; the policy says the rest. */
const password = z.string().min(1).max(PASSWORD_MAX_LENGTH * 4);

export const signupSchema = z.strictObject({
  email,
  password,
  name: z.string().trim().min(1).max(100),
  tenantName: z.string().trim().min(1).max(100),
});
export class SignupBody extends zodDto(signupSchema) {}

export const loginSchema = z.strictObject({
  email,
  password,
  /** Tenant id or slug; default: the user's first active tenant. */
  tenant: z.string().trim().min(1).max(63).optional(),
});
export class LoginBody extends zodDto(loginSchema) {}

const refreshToken = z.string().min(1).max(200);

/** Optional: a browser leaves it out and the tenantry_refresh cookie carries it (with the CSRF header). */
export const refreshSchema = z.strictObject({ refreshToken: refreshToken.optional() });
export class RefreshBody extends zodDto(refreshSchema) {}

export const logoutSchema = refreshSchema;
export class LogoutBody extends zodDto(logoutSchema) {}

export const switchTenantSchema = z.strictObject({ tenantId: z.guid() });
export class SwitchTenantBody extends zodDto(switchTenantSchema) {}

export const passwordResetRequestSchema = z.strictObject({ email });
export class PasswordResetRequestBody extends zodDto(passwordResetRequestSchema) {}

export const passwordResetConfirmSchema = z.strictObject({ token: z.string().min(1).max(200), password });
export class PasswordResetConfirmBody extends zodDto(passwordResetConfirmSchema) {}
