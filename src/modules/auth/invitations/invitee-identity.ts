import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../../platform/config/config.js';
import { ACCESS_TOKEN_ALGORITHM, accessTokenClaims } from '../../../platform/security/access-token.js';
import { AccessTokenPrincipals } from '../../../platform/security/principal.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { assertAcceptablePassword } from '../passwords/password-policy.js';

/**
 * How the person accepting an invitation proves who they are: an access token the API would accept
 * (the accept route is public, so the global guard did not look at it), or the account's password
 * (argon2id). New accounts get a password under the same policy and hasher as sign-up.
 */
@Injectable()
export class InviteeIdentity {
  private readonly jwt = new JwtService();

  constructor(
    private readonly config: AppConfig,
    private readonly principals: AccessTokenPrincipals,
    private readonly passwords: PasswordHasher,
  ) {}

  /**
   * The user an `Authorization: Bearer <access token>` header proves, or undefined when it proves
   * nobody (absent, malformed, forged, expired, or its membership is gone).
   */
  async userOfAuthorization(authorization: string | undefined): Promise<string | undefined> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return undefined;
    try {
      const payload: unknown = await this.jwt.verifyAsync(token, {
        secret: this.config.env.JWT_SECRET,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.config.env.JWT_ISSUER,
        audience: this.config.env.JWT_AUDIENCE,
        clockTolerance: 5,
      });
      const claims = accessTokenClaims.parse(payload);
      return (await this.principals.resolve(claims)).userId;
    } catch {
      return undefined;
    }
  }

  /** Checks against the sign-in hasher; an account without a password is checked against a dummy hash (same work). */
  async passwordMatches(passwordHash: string | null, password: string): Promise<boolean> {
    const matches = await this.passwords.verify(passwordHash ?? this.passwords.dummyHash, password);
    return matches && passwordHash !== null;
  }

  /** 400 validation_failed (field password) unless the password meets the policy; then its argon2id hash. */
  hashNewPassword(password: string, email: string): Promise<string> {
    assertAcceptablePassword(password, email);
    return this.passwords.hash(password);
  }
}
