import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { newUserToken } from '../sessions/user-token.js';

/** A single-use link to the web app's reset page, and the password_resets row that backs it. */
export interface SetPasswordLink {
  /** Store this (the token's sha256, never the token) in the same transaction as the email. */
  reset: { userId: string; tokenHash: Uint8Array<ArrayBuffer>; expiresAt: Date };
  /** `APP_BASE_URL/reset-password?token=<user id>.<secret>`: POST /auth/password-reset/confirm uses it up. */
  url: string;
  expiresAt: Date;
}

/**
 * The password reset machinery's links, for every flow that sends one: a reset asked for by its
 * user, and the first password of an owner a platform admin created. One token format, one
 * storage (hashed, expiring, single-use), one confirm route.
 */
@Injectable()
export class SetPasswordLinks {
  constructor(private readonly config: AppConfig) {}

  create(userId: string, lifetimeMs: number): SetPasswordLink {
    const token = newUserToken(userId);
    const expiresAt = new Date(Date.now() + lifetimeMs);
    return {
      reset: { userId, tokenHash: tokenHash(token), expiresAt },
      url: `${this.config.env.APP_BASE_URL}/reset-password?token=${encodeURIComponent(token)}`,
      expiresAt,
    };
  }
}
