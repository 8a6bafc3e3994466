import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import type { Role } from '../../../platform/security/permissions.js';
import { AuthError, AuthErrorCode } from '../auth.errors.js';
import { AuthScope } from '../auth-scope.js';
import { type MyTenant, UsersRepository } from '../users.repository.js';
import { AccessTokenIssuer } from './access-token.issuer.js';
import { type SessionRow, SessionsRepository } from './sessions.repository.js';
import { newUserToken, parseUserToken } from './user-token.js';

/** What sign-up, sign-in, refresh and switch-tenant answer. */
export interface SessionTokens {
  tokenType: 'Bearer';
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Opaque; rotated on every use: keep only the newest. */
  refreshToken: string;
  refreshTokenExpiresAt: string;
  userId: string;
  tenant: { id: string; slug: string; name: string; role: Role };
}

/**
 * Sessions: a sign-in opens a family of refresh tokens; each refresh rotates the token (the old
 * one is marked rotated, a new one joins the family); a rotated token presented again means it
 * leaked or the client misbehaved, and the whole family is revoked. Access tokens name their
 * family (sid), so the guard refuses them too once it is revoked (docs/adr/0005).
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly scope: AuthScope,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly issuer: AccessTokenIssuer,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  /**
   * Opens a new session family. Joins the unit of work in progress: the caller has entered the
   * user and the tenant (AuthScope.inTenant).
   */
  open(userId: string, tenant: MyTenant): Promise<SessionTokens> {
    return this.issue(userId, randomUUID(), tenant);
  }

  /** Rotates a refresh token: a new pair for the same session and tenant. */
  async refresh(rawToken: string): Promise<SessionTokens> {
    const parsed = parseUserToken(rawToken);
    if (!parsed) throw AuthError.of(AuthErrorCode.InvalidRefreshToken);
    const { userId } = parsed;
    const session = await this.scope.asUser(userId, () => this.sessions.findByHash(tokenHash(rawToken)));
    if (!session) throw AuthError.of(AuthErrorCode.InvalidRefreshToken);
    if (session.rotatedAt) return this.reused(session);
    if (session.revokedAt || session.expiresAt <= new Date()) throw AuthError.of(AuthErrorCode.InvalidRefreshToken);

    const rotated = await this.scope.inTenant(session.activeTenantId, userId, () =>
      this.db.transaction(async () => {
        const tenant = await this.tenantOfUser(session.activeTenantId);
        if (!(await this.sessions.claim(session.id))) return undefined; // a concurrent refresh won
        return this.issue(userId, session.familyId, tenant);
      }),
    );
    // Losing the race is indistinguishable from a replay by whoever else holds the token.
    return rotated ?? this.reused(session);
  }

  /** Revokes the token's whole family. Unknown or malformed tokens are ignored (RFC 7009). */
  async logout(rawToken: string): Promise<void> {
    const parsed = parseUserToken(rawToken);
    if (!parsed) return;
    const { userId } = parsed;
    const session = await this.scope.asUser(userId, () => this.sessions.findByHash(tokenHash(rawToken)));
    if (!session) return;
    await this.scope.inTenant(session.activeTenantId, userId, () =>
      this.db.transaction(async () => {
        if ((await this.sessions.revokeFamily(userId, session.familyId)) > 0) {
          await this.audit.record({ action: 'auth.logout', targetType: 'user', targetId: userId });
        }
      }),
    );
  }

  /**
   * Moves the caller's session (the access token's family) to another tenant of theirs: the
   * family's current refresh token is rotated into one for that tenant, with a new access token.
   * The client must replace its refresh token: the old one is now a rotated one.
   */
  async switchTenant(tenantId: string, sessionId: string | undefined): Promise<SessionTokens> {
    const state = this.ctx.current();
    if (!state?.userId || state.apiKeyId || !sessionId) throw AuthError.of(AuthErrorCode.SessionRequired);
    const { userId, tenantId: from } = state;
    return this.scope.inTenant(tenantId, userId, () =>
      this.db.transaction(async () => {
        const tenant = await this.tenantOfUser(tenantId);
        const current = await this.sessions.findCurrent(userId, sessionId);
        if (!current || !(await this.sessions.claim(current.id))) throw AuthError.of(AuthErrorCode.InvalidRefreshToken);
        const tokens = await this.issue(userId, sessionId, tenant);
        await this.audit.record({ action: 'auth.tenant_switched', targetType: 'tenant', targetId: tenant.id, data: { from } });
        return tokens;
      }),
    );
  }

  /** Signs the user out everywhere. Joins the unit of work in progress (run as that user). */
  async revokeAllOfUser(userId: string): Promise<void> {
    await this.sessions.revokeAllOfUser(userId);
  }

  /** The user's membership in the tenant, read afresh; 403 not_a_member when gone or deleted. */
  private async tenantOfUser(tenantId: string): Promise<MyTenant> {
    const tenant = (await this.users.tenantsOfUser()).find((t) => t.id === tenantId);
    if (!tenant) throw AuthError.of(AuthErrorCode.NotAMember);
    return tenant;
  }

  private async issue(userId: string, familyId: string, tenant: MyTenant): Promise<SessionTokens> {
    const refreshToken = newUserToken(userId);
    const expiresAt = new Date(Date.now() + this.config.env.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    const state = this.ctx.current();
    await this.sessions.create({
      userId,
      familyId,
      activeTenantId: tenant.id,
      tokenHash: tokenHash(refreshToken),
      expiresAt,
      ip: state?.ip,
      userAgent: state?.userAgent,
    });
    return {
      tokenType: 'Bearer',
      accessToken: this.issuer.sign(userId, tenant.id, familyId),
      expiresIn: this.issuer.ttlSeconds,
      refreshToken,
      refreshTokenExpiresAt: expiresAt.toISOString(),
      userId,
      tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, role: tenant.role },
    };
  }

  /** A rotated token came back: revoke its family, record it, answer 401. */
  private async reused(session: SessionRow): Promise<never> {
    const { userId, familyId, activeTenantId } = session;
    await this.scope.asUser(userId, () => this.sessions.revokeFamily(userId, familyId));
    await this.scope
      .systemIn(activeTenantId, () =>
        this.audit.record({ action: 'auth.refresh_token_reused', targetType: 'user', targetId: userId, data: { sessionId: familyId } }),
      )
      .catch((error: unknown) => this.logger.warn(`could not record a refresh token reuse: ${String(error)}`));
    throw AuthError.of(AuthErrorCode.RefreshTokenReused);
  }
}
