import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/config.js';
import { ACCESS_TOKEN_ALGORITHM, type AccessTokenClaims, accessTokenClaims } from './access-token.js';

/**
 * Verifies access tokens: signature with the pinned algorithm, issuer, audience and expiry
 * (passport-jwt), then the shape of Tenantry's own claims. Anything else is 401.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.env.JWT_SECRET,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.env.JWT_ISSUER,
      audience: config.env.JWT_AUDIENCE,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 5 },
    });
  }

  validate(payload: unknown): AccessTokenClaims {
    const claims = accessTokenClaims.safeParse(payload);
    if (!claims.success) throw new UnauthorizedException('malformed access token');
    return claims.data;
  }
}
