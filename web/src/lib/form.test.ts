import { describe, expect, it } from 'vitest';
import { loginSchema, resetSchema, signupSchema } from '../features/auth/schemas.ts';
import { ApiError } from '../api/problem.ts';
import { serverFieldErrors, validate } from './form.ts';

describe('forms', () => {
  it('apply the API’s rules: trimmed, lower-cased email; 10 to 128 characters for a new password', () => {
    expect(validate(loginSchema, { email: ' Ann@Example.TEST ', password: 'x' })).toEqual({ ok: true, values: { email: 'ann@example.test', password: 'x' } });
    expect(validate(signupSchema, { email: 'nope', password: 'short', name: '', tenantName: 'Acme' })).toEqual({
      ok: false,
      fieldErrors: { email: 'invalid_email', password: 'password_length', name: 'required' },
    });
    expect(validate(resetSchema, { password: 'long enough pass', confirm: 'different' })).toEqual({ ok: false, fieldErrors: { confirm: 'password_mismatch' } });
  });

  it('put the server’s field errors beside the fields the form shows', () => {
    const error = new ApiError({ status: 400, code: 'validation_failed', errors: [{ field: 'password', message: 'is one of the most common passwords' }, { field: 'other', message: 'x' }] });
    expect(serverFieldErrors(error, ['email', 'password'])).toEqual({ password: 'is one of the most common passwords' });
  });
});
