import { describe, expect, it } from '@jest/globals';
import { HttpError } from '../../../platform/http/app-error.js';
import { COMMON_PASSWORDS } from './common-passwords.js';
import { assertAcceptablePassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from './password-policy.js';

const EMAIL = 'marie.curie@example.test';

describe('passwordProblem', () => {
  it('accepts a long passphrase', () => {
    expect(passwordProblem('correct horse battery staple', EMAIL)).toBeUndefined();
  });

  it.each([
    ['9 characters', 'a'.repeat(9) + '', /10 to 128/],
    ['129 characters', 'x'.repeat(129), /10 to 128/],
    ['an empty string', '', /10 to 128/],
  ])('refuses %s', (_name, password, message) => {
    expect(passwordProblem(password, EMAIL)).toMatch(message);
  });

  it('counts characters, not UTF-16 units: 9 emoji are too short, 10 are enough', () => {
    expect(passwordProblem('🔑'.repeat(9), EMAIL)).toMatch(/10 to 128/);
    expect(passwordProblem('🔑'.repeat(10), EMAIL)).toBeUndefined();
    expect(passwordProblem('🔑'.repeat(PASSWORD_MAX_LENGTH), EMAIL)).toBeUndefined();
  });

  it.each(['1234567890', 'qwertyuiop', 'Password123', 'PASSWORD123', 'iloveyou123', 'welcome123'])(
    'refuses the common password %s, whatever its case',
    (password) => {
      expect(passwordProblem(password, EMAIL)).toMatch(/common/);
    },
  );

  it('refuses a password containing the email local part, whatever its case', () => {
    expect(passwordProblem('Marie.Curie-2026!', EMAIL)).toMatch(/email/);
    expect(passwordProblem('xx-marie.curie-xx', EMAIL)).toMatch(/email/);
  });

  it('does not apply the local-part rule to very short local parts', () => {
    expect(passwordProblem('my alpine meadow', 'al@example.test')).toBeUndefined();
  });
});

describe('assertAcceptablePassword', () => {
  it('throws 400 validation_failed naming the password field', () => {
    let error: unknown;
    try {
      assertAcceptablePassword('short', EMAIL);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', extra: { errors: [{ field: 'password' }] } });
  });
});

describe('the common password list', () => {
  it('holds about two hundred distinct lowercase entries, each long enough to pass the length rule', () => {
    expect(COMMON_PASSWORDS.length).toBeGreaterThanOrEqual(200);
    expect(new Set(COMMON_PASSWORDS).size).toBe(COMMON_PASSWORDS.length);
    expect(COMMON_PASSWORDS.filter((p) => p !== p.toLowerCase())).toEqual([]);
    // A shorter entry would be dead weight: the length rule refuses it first.
    expect(COMMON_PASSWORDS.filter((p) => [...p].length < PASSWORD_MIN_LENGTH)).toEqual([]);
  });
});
