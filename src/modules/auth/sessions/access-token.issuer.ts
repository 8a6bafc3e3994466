import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../../platform/config/config.js';
import { ACCESS_TOKEN_ALGORITHM, type PlatformAccessClaims, type TenantAccessClaims } from '../../../platform/security/access-token.js';

/**
 * Signs access tokens exactly as the kernel's AccessTokenVerifier verifies them: HS256 with JWT_SECRET,
 * iss/aud from the configuration, exp = ACCESS_TOKEN_TTL_SECONDS. The claims name the user (sub),
 * the active tenant (tid) and the session family (sid); roles are never in the token, the guard
 * reads them from the membership on every request. A platform session's tokens name no tenant.
 */
@Injectable()
export class AccessTokenIssuer {
  private readonly jwt: JwtService;

  constructor(private readonly config: AppConfig) {
    this.jwt = new JwtService({
      secret: config.env.JWT_SECRET,
      signOptions: {
        algorithm: ACCESS_TOKEN_ALGORITHM,
        issuer: config.env.JWT_ISSUER,
        audience: config.env.JWT_AUDIENCE,
        expiresIn: config.env.ACCESS_TOKEN_TTL_SECONDS,
      },
    });
  }

  get ttlSeconds(): number {
    return this.config.env.ACCESS_TOKEN_TTL_SECONDS;
  }

  sign(userId: string, tenantId: string, sessionId: string): string {
    const claims: Omit<TenantAccessClaims, 'exp'> = { sub: userId, tid: tenantId, sid: sessionId, typ: 'access' }; // exp: from expiresIn
    return this.jwt.sign(claims);
  }

  /** A platform session's token: no tenant, `typ: platform` (platform-administration routes only). */
  signPlatform(userId: string, sessionId: string): string {
    const claims: Omit<PlatformAccessClaims, 'exp'> = { sub: userId, sid: sessionId, typ: 'platform' };
    return this.jwt.sign(claims);
  }
}
