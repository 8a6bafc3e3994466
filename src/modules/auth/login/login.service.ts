import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { AuthError, AuthErrorCode } from '../auth.errors.js';
import { AuthScope } from '../auth-scope.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { type PlatformSessionTokens, type SessionTokens, SessionsService } from '../sessions/sessions.service.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import { type MyTenant, UsersRepository } from '../users.repository.js';

export interface LoginInput {
  email: string;
  password: string;
  /** The tenant to sign in to, by id or slug; default: the user's first active tenant. */
  tenant?: string;
}

/**
 * Sign-in. An unknown email and a wrong password get the same answer (401 invalid_credentials,
 * same body) after the same work on the same code path: one credential lookup, then ONE argon2id
 * verification, against the account's hash or, for an unknown email, a dummy hash made with the
 * same parameters. Work that only a known account needs (recording the failure in its tenants'
 * audit logs) happens after the answer is sent, so it adds nothing to the response time.
 */
@Injectable()
export class LoginService {
  private readonly logger = new Logger('Login');

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly scope: AuthScope,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * A session in the tenant asked for, else the user's first active tenant; a platform admin who
   * belongs to no tenant (and asks for none) gets a platform session instead.
   */
  async login(input: LoginInput): Promise<SessionTokens | PlatformSessionTokens> {
    const ip = this.ctx.current()?.ip;
    const retryAfter = await this.throttle.retryAfter(input.email, ip);
    if (retryAfter > 0) throw AuthError.tooManyAttempts(retryAfter);

    const account = await this.scope.anonymous(() => this.users.credentialsByEmail(input.email));
    const matches = await this.hasher.verify(account?.passwordHash ?? this.hasher.dummyHash, input.password);
    if (!account?.passwordHash || !matches) {
      await this.throttle.recordFailure(input.email, ip);
      void this.recordFailure(input, account?.userId); // after the answer: see the class comment
      throw AuthError.of(AuthErrorCode.InvalidCredentials);
    }
    await this.throttle.reset(input.email);
    const userId = account.userId;
    await this.upgradeHash(userId, account.passwordHash, input.password);

    const tenants = await this.scope.asUser(userId, () => this.users.tenantsOfUser());
    if (input.tenant === undefined && tenants.length === 0 && account.isPlatformAdmin) return this.openPlatformSession(userId);
    const tenant = chooseTenant(tenants, input.tenant);
    return this.scope.inTenant(tenant.id, userId, () =>
      this.db.transaction(async () => {
        const tokens = await this.sessions.open(userId, tenant);
        await this.audit.record({ action: 'auth.login', targetType: 'user', targetId: userId });
        return tokens;
      }),
    );
  }

  /**
   * A platform admin who belongs to no tenant signs in to none: a platform session. No tenant has
   * an audit log for it; the application log records it.
   */
  private async openPlatformSession(userId: string): Promise<PlatformSessionTokens> {
    const tokens = await this.scope.asUser(userId, () => this.db.transaction(() => this.sessions.openPlatform(userId)));
    this.logger.log({ userId }, 'platform admin signed in to a platform session');
    return tokens;
  }

  /**
   * auth.login_failed in the audit log of the tenant asked for, or of every tenant of the account
   * (an unknown email has no tenant: it is logged, as a digest, not as the address).
   */
  private async recordFailure(input: LoginInput, userId: string | undefined): Promise<void> {
    try {
      if (!userId) {
        const account = createHash('sha256').update(input.email).digest('hex').slice(0, 16);
        this.logger.log(`sign-in failed for an unknown email (account digest ${account}, ip ${this.ctx.current()?.ip ?? 'unknown'})`);
        return;
      }
      const tenants = await this.scope.asUser(userId, () => this.users.tenantsOfUser());
      const asked = input.tenant === undefined ? undefined : tenants.find((t) => matchesTenant(t, input.tenant!));
      for (const tenant of asked ? [asked] : tenants) {
        await this.scope.systemIn(tenant.id, () =>
          this.audit.record({ action: 'auth.login_failed', targetType: 'user', targetId: userId, data: { reason: 'wrong_password' } }),
        );
      }
    } catch (error) {
      this.logger.warn(`could not record a failed sign-in: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Hashes made with older argon2 parameters are replaced at the next successful sign-in. */
  private async upgradeHash(userId: string, passwordHash: string, password: string): Promise<void> {
    if (!this.hasher.needsRehash(passwordHash)) return;
    try {
      const upgraded = await this.hasher.hash(password);
      await this.scope.asUser(userId, () => this.users.setPasswordHash(userId, upgraded));
    } catch (error) {
      this.logger.warn(`could not upgrade a password hash: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function matchesTenant(tenant: MyTenant, idOrSlug: string): boolean {
  return tenant.id === idOrSlug.toLowerCase() || tenant.slug === idOrSlug.toLowerCase();
}

/** The tenant asked for (403 not_a_member if the user has none such), else the first active one. */
export function chooseTenant(tenants: MyTenant[], asked: string | undefined): MyTenant {
  if (asked !== undefined) {
    const tenant = tenants.find((t) => matchesTenant(t, asked));
    if (!tenant) throw AuthError.of(AuthErrorCode.NotAMember);
    return tenant;
  }
  const tenant = tenants.find((t) => t.status === 'active') ?? tenants[0];
  if (!tenant) throw AuthError.of(AuthErrorCode.NoTenant);
  return tenant;
}
