import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { AuthError, AuthErrorCode } from '../auth.errors.js';
import { AuthScope } from '../auth-scope.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { assertAcceptablePassword } from '../passwords/password-policy.js';
import { type SessionTokens, SessionsService } from '../sessions/sessions.service.js';
import { UsersRepository } from '../users.repository.js';
import { isReservedSlug, slugify, withSuffix } from './tenant-slug.js';
import { TenantProvisioningRepository } from './tenant-provisioning.repository.js';

export interface SignupInput {
  email: string;
  password: string;
  name: string;
  tenantName: string;
}

/** Attempts of the whole unit of work when a concurrent sign-up takes the chosen slug first. */
const ATTEMPTS = 3;

/**
 * Sign-up provisions a tenant: the user, the tenant (a unique slug from its name), its settings
 * and the owner membership, then a first session, in ONE unit of work; all of it or nothing.
 *
 * An email that has an account is refused (409 email_taken). That tells whoever asks that the
 * address is registered: every sign-up form does, and the alternative (a confirmation email for
 * every sign-up) is a product decision for later; sign-in and password reset reveal nothing.
 */
@Injectable()
export class SignupService {
  constructor(
    private readonly db: TenantDb,
    private readonly scope: AuthScope,
    private readonly users: UsersRepository,
    private readonly tenants: TenantProvisioningRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLog,
  ) {}

  async signup(input: SignupInput): Promise<SessionTokens> {
    assertAcceptablePassword(input.password, input.email);
    if (await this.emailTaken(input.email)) throw AuthError.of(AuthErrorCode.EmailTaken);
    const passwordHash = await this.hasher.hash(input.password);
    // Ids are made here, not by the database: the context must name the new user and tenant
    // before their rows exist, for RLS (and INSERT ... RETURNING) to let them through.
    const userId = randomUUID();
    const tenantId = randomUUID();

    for (let attempt = 1; ; attempt++) {
      const slug = await this.freeSlug(slugify(input.tenantName));
      try {
        return await this.scope.inTenant(tenantId, userId, () =>
          this.db.transaction(async () => {
            await this.users.create({ id: userId, email: input.email, name: input.name, passwordHash });
            await this.tenants.create({ id: tenantId, slug, name: input.tenantName, ownerId: userId });
            const tokens = await this.sessions.open(userId, { id: tenantId, slug, name: input.tenantName, status: 'active', role: 'owner' });
            await this.audit.record({ action: 'auth.signup', targetType: 'user', targetId: userId, data: { tenantId, slug } });
            return tokens;
          }),
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Someone registered the email, or took the slug, between our checks and our insert.
        if (await this.emailTaken(input.email)) throw AuthError.of(AuthErrorCode.EmailTaken);
        if (attempt >= ATTEMPTS) throw error;
      }
    }
  }

  private async emailTaken(email: string): Promise<boolean> {
    return (await this.scope.anonymous(() => this.users.credentialsByEmail(email))) !== undefined;
  }

  /** The name's slug if free, else the slug with a short random suffix. */
  private async freeSlug(base: string): Promise<string> {
    const taken = (slug: string): Promise<boolean> =>
      isReservedSlug(slug) ? Promise.resolve(true) : this.scope.anonymous(() => this.tenants.slugTaken(slug));
    if (!(await taken(base))) return base;
    for (;;) {
      const candidate = withSuffix(base);
      if (!(await taken(candidate))) return candidate;
    }
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2002';
}
