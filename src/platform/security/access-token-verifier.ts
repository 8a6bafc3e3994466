import { createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { AppConfig } from '../config/config.js';
import { AccessError } from './access.errors.js';
import { ACCESS_TOKEN_ALGORITHM, type AccessTokenClaims, accessTokenClaims } from './access-token.js';

/**
 * Verifies access tokens: the signature with the pinned algorithm, issuer, audience and expiry,
 * then the shape of Tenantry's own claims (`exp` and `sid` required). Anything else is 401.
 *
 * The secret is a KeyObject made once: given a string, jsonwebtoken first tries it as a public key
 * (createPublicKey throws), then makes a secret key, on every verify: 350 µs per request measured,
 * against 7 to 10 µs with the KeyObject (docs/adr/0018).
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly key: KeyObject;
  private readonly options: jwt.VerifyOptions & { complete?: false };

  constructor(config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.env.JWT_SECRET, 'utf8'));
    this.options = {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.env.JWT_ISSUER,
      audience: config.env.JWT_AUDIENCE,
      clockTolerance: 5,
    };
  }

  /** The claims of a `Bearer` Authorization header, or AccessError 401. */
  verifyBearer(authorization: string | undefined): AccessTokenClaims {
    const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!match) throw AccessError.unauthenticated();
    return this.verify(match[1]!);
  }

  verify(token: string): AccessTokenClaims {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.key, this.options);
    } catch {
      throw AccessError.unauthenticated('Invalid or expired access token');
    }
    const claims = accessTokenClaims.safeParse(payload);
    if (!claims.success) throw AccessError.unauthenticated('Malformed access token');
    return claims.data;
  }
}
