import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { AppConfig } from '../../../platform/config/config.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { EmailOutbox } from '../../../platform/mail/email-outbox.js';
import { RateLimiter } from '../../../platform/rate-limit/rate-limiter.js';
import { AuthError, AuthErrorCode } from '../auth.errors.js';
import { AuthScope } from '../auth-scope.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { assertAcceptablePassword } from '../passwords/password-policy.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { parseUserToken } from '../sessions/user-token.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import { UsersRepository } from '../users.repository.js';
import { PasswordResetsRepository } from './password-resets.repository.js';
import { SetPasswordLinks } from './set-password-links.js';

/** Reset emails per address and hour: enough for a lost email, too few to flood an inbox. */
const REQUESTS_PER_HOUR = 3;

/**
 * Password reset by email link. The request answers the same (202, at once) whether or not the
 * address has an account; the link carries a single-use token (`<user id>.<secret>`, stored as sha256) that
 * expires after PASSWORD_RESET_TTL_MINUTES. Confirming sets the new password, uses up every open
 * reset of the user and revokes all their sessions.
 */
@Injectable()
export class PasswordResetService {
  private readonly logger = new Logger('PasswordReset');

  constructor(
    private readonly db: TenantDb,
    private readonly scope: AuthScope,
    private readonly users: UsersRepository,
    private readonly resets: PasswordResetsRepository,
    private readonly links: SetPasswordLinks,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly outbox: EmailOutbox,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  /**
   * Answers at once; the lookup and, for an account, the email are done after the answer, so the
   * response time does not tell a registered address from an unknown one either.
   */
  request(email: string): void {
    void this.send(email).catch((error: unknown) =>
      this.logger.warn(`could not start a password reset: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  private async send(email: string): Promise<void> {
    const account = await this.scope.anonymous(() => this.users.credentialsByEmail(email));
    if (!account) return;
    const digest = createHash('sha256').update(email).digest('hex').slice(0, 32);
    if (!(await this.limiter.consume(`auth:password-reset:${digest}`, REQUESTS_PER_HOUR, 3600)).allowed) {
      this.logger.log(`password reset not sent: too many requests for account digest ${digest.slice(0, 16)}`);
      return;
    }
    const { userId } = account;
    const link = this.links.create(userId, this.config.env.PASSWORD_RESET_TTL_MINUTES * 60_000);
    await this.scope.asUser(userId, () =>
      this.db.transaction(async () => {
        const user = await this.users.findSelf(userId);
        await this.resets.create(link.reset);
        // In the same unit of work: the email goes out if and only if the reset exists.
        await this.outbox.enqueue({
          to: email,
          template: 'password_reset',
          data: {
            resetUrl: link.url,
            expiresAt: link.expiresAt.toISOString(),
            ...(user ? { name: user.name } : {}),
          },
        });
      }),
    );
  }

  async confirm(rawToken: string, password: string): Promise<void> {
    const parsed = parseUserToken(rawToken);
    if (!parsed) throw AuthError.of(AuthErrorCode.ResetTokenInvalid);
    const { userId } = parsed;
    const email = await this.scope.asUser(userId, async () => {
      const reset = await this.resets.findByHash(tokenHash(rawToken));
      if (!reset || reset.usedAt || reset.expiresAt <= new Date()) throw AuthError.of(AuthErrorCode.ResetTokenInvalid);
      const user = await this.users.findSelf(userId);
      if (!user) throw AuthError.of(AuthErrorCode.ResetTokenInvalid);
      // Checked before the token is used: a refused password leaves the link usable.
      assertAcceptablePassword(password, user.email);
      const passwordHash = await this.hasher.hash(password);
      await this.db.transaction(async () => {
        if (!(await this.resets.consume(reset.id))) throw AuthError.of(AuthErrorCode.ResetTokenInvalid);
        await this.resets.consumeAllOfUser(userId);
        await this.users.setPasswordHash(userId, passwordHash);
        await this.sessions.revokeAllOfUser(userId);
      });
      return user.email;
    });
    await this.throttle.reset(email); // whoever was locked out of this account may sign in again
    await this.recordInTenants(userId);
  }

  /** auth.password_reset in each tenant of the user (best effort: the reset itself is done). */
  private async recordInTenants(userId: string): Promise<void> {
    try {
      const tenants = await this.scope.asUser(userId, () => this.users.tenantsOfUser());
      for (const tenant of tenants) {
        await this.scope.inTenant(tenant.id, userId, () => this.audit.record({ action: 'auth.password_reset', targetType: 'user', targetId: userId }));
      }
    } catch (error) {
      this.logger.warn(`could not record a password reset: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
