/**
 * The API's rules for the sign-in forms (src/modules/auth/dto/auth.dto.ts and the password policy's
 * length), so a form refuses what the server would refuse before it is sent. The server still
 * checks everything (common passwords, the email inside the password).
 */
import { z } from 'zod';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

export const email = z.string().trim().toLowerCase().pipe(z.email({ error: 'invalid_email' }).max(254));
/** For sign-in: any non-empty password (an old one may predate the policy). */
export const anyPassword = z.string().min(1, { error: 'required' }).max(PASSWORD_MAX_LENGTH * 4);
export const newPassword = z
  .string()
  .refine((p) => [...p].length >= PASSWORD_MIN_LENGTH && [...p].length <= PASSWORD_MAX_LENGTH, { error: 'password_length' });
const name = z.string().trim().min(1, { error: 'required' }).max(100);

export const loginSchema = z.object({ email, password: anyPassword });
export const signupSchema = z.object({ email, password: newPassword, name, tenantName: name });
export const forgotSchema = z.object({ email });
export const resetSchema = z
  .object({ password: newPassword, confirm: z.string() })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], error: 'password_mismatch' });
export const acceptNewSchema = z.object({ email, name, password: newPassword });
export const acceptExistingSchema = z.object({ email, password: anyPassword });
