import { afterEach, describe, expect, it, jest } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { UNIT_CONFIG_ENV } from '../../../test/support/config-env.js';
import { loadConfig } from '../config/config.js';
import { AccessTokenVerifier } from './access-token-verifier.js';

const ENV = UNIT_CONFIG_ENV;
const config = loadConfig(ENV);
const sign = (claims: object, secret = ENV.JWT_SECRET) =>
  jwt.sign({ typ: 'access', sub: '11111111-1111-4111-8111-111111111111', tid: '22222222-2222-4222-8222-222222222222', sid: '33333333-3333-4333-8333-333333333333', ...claims }, secret, {
    algorithm: 'HS256',
    issuer: config.env.JWT_ISSUER,
    audience: config.env.JWT_AUDIENCE,
  });

afterEach(() => {
  jest.restoreAllMocks();
});

describe('AccessTokenVerifier', () => {
  it('verifies a token once, then knows it by its string: the same claims, no second signature check', () => {
    const verifier = new AccessTokenVerifier(config);
    const token = sign({ exp: Math.floor(Date.now() / 1000) + 60 });
    const verify = jest.spyOn(jwt, 'verify');

    const first = verifier.verify(token);
    const second = verifier.verify(token);

    expect(second).toBe(first);
    expect(first).toMatchObject({ typ: 'access', sid: '33333333-3333-4333-8333-333333333333' });
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses a known token once it has expired (past the 5 s tolerance), as it would an unknown one', () => {
    const verifier = new AccessTokenVerifier(config);
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = sign({ exp });
    verifier.verify(token);

    jest.spyOn(Date, 'now').mockReturnValue((exp + 4) * 1000);
    expect(() => verifier.verify(token)).not.toThrow(); // within jsonwebtoken's tolerance
    jest.spyOn(Date, 'now').mockReturnValue((exp + 6) * 1000);
    expect(() => verifier.verify(token)).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
  });

  it('never lets a known token vouch for another string: a token signed with another secret is refused', () => {
    const verifier = new AccessTokenVerifier(config);
    const exp = Math.floor(Date.now() / 1000) + 60;
    verifier.verify(sign({ exp }));

    expect(() => verifier.verify(sign({ exp }, 'another-secret-0123456789abcdef0123456789'))).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
  });
});
