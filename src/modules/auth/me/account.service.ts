import { Injectable } from '@nestjs/common';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { AuthError, AuthErrorCode } from '../auth.errors.js';
import { AuthScope } from '../auth-scope.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { assertAcceptablePassword } from '../passwords/password-policy.js';
import { type OpenSession, SessionsRepository } from '../sessions/sessions.repository.js';
import { type UserView, UsersRepository } from '../users.repository.js';

/** GET /me/sessions: one open session of the user, in any of their tenants (or a platform session). */
export interface SessionView extends OpenSession {
  /** The session of this request's access token. */
  current: boolean;
}

/**
 * The signed-in user's own account: their open sessions (revoke any; revoking the current one signs
 * this client out), their display name, and their password (the current one proves it is them;
 * every other session is signed out). Users only: an API key has no account.
 */
@Injectable()
export class AccountService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly scope: AuthScope,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLog,
  ) {}

  async listSessions(currentSessionId: string | undefined): Promise<SessionView[]> {
    const userId = this.userId();
    const open = await this.scope.asUser(userId, () => this.sessions.listOpen(userId));
    return open.map((session) => ({ ...session, current: session.id === currentSessionId }));
  }

  async revokeSession(sessionId: string): Promise<void> {
    const userId = this.userId();
    const revoked = await this.scope.asUser(userId, () => this.sessions.revokeFamily(userId, sessionId));
    if (revoked === 0) throw AuthError.of(AuthErrorCode.SessionNotFound);
    await this.record('auth.session_revoked', { sessionId });
  }

  async rename(name: string): Promise<UserView> {
    const userId = this.userId();
    return this.scope.asUser(userId, async () => {
      await this.users.setName(userId, name);
      const user = await this.users.findSelf(userId);
      if (!user) throw AuthError.of(AuthErrorCode.SessionRequired);
      return user;
    });
  }

  /** Checks the current password, sets the new one (the policy's rules), signs out every other session. */
  async changePassword(currentPassword: string, newPassword: string, currentSessionId: string | undefined): Promise<void> {
    const userId = this.userId();
    await this.scope.asUser(userId, async () => {
      const user = await this.users.findSelf(userId);
      if (!user) throw AuthError.of(AuthErrorCode.SessionRequired);
      const credentials = await this.users.credentialsByEmail(user.email);
      if (!credentials?.passwordHash || !(await this.hasher.verify(credentials.passwordHash, currentPassword))) throw AuthError.of(AuthErrorCode.WrongPassword);
      assertAcceptablePassword(newPassword, user.email);
      const passwordHash = await this.hasher.hash(newPassword);
      await this.db.transaction(async () => {
        await this.users.setPasswordHash(userId, passwordHash);
        await this.sessions.revokeAllOfUserExcept(userId, currentSessionId);
      });
    });
    await this.record('auth.password_changed', {});
  }

  private userId(): string {
    const state = this.ctx.current();
    if (!state?.userId || state.apiKeyId) throw AuthError.of(AuthErrorCode.SessionRequired);
    return state.userId;
  }

  /** In the request's tenant, when there is one (a platform session has no tenant audit log). */
  private async record(action: string, data: Record<string, unknown>): Promise<void> {
    const state = this.ctx.current();
    if (!state?.tenantId) return;
    await this.audit.record({ action, targetType: 'user', targetId: state.userId, data });
  }
}
