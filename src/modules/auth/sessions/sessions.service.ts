import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { AccessError } from '../../../platform/security/access.errors.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import type { Role } from '../../../platform/security/permissions.js';
import { AuthError, AuthErrorCode } from '../auth.errors.js';
import { AuthScope } from '../auth-scope.js';
import { type MyTenant, UsersRepository } from '../users.repository.js';
import { AccessTokenIssuer } from './access-token.issuer.js';
import { type SessionRow, SessionsRepository } from './sessions.repository.js';
import { newUserToken, parseUserToken } from './user-token.js';

interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Opaque; rotated on every use: keep only the newest. */
  refreshToken: string;
  refreshTokenExpiresAt: string;
  userId: string;
}

/** What sign-up, sign-in, refresh and switch-tenant answer for a session in a tenant. */
export interface SessionTokens extends TokenPair {
  tenant: { id: string; slug: string; name: string; role: Role };
}

/**
 * What sign-in and refresh answer for a platform session: a platform admin signed in to no tenant.
 * Its access token (`typ: platform`) works on platform-administration routes and GET /me only.
 */
export interface PlatformSessionTokens extends TokenPair {
  tenant: null;
  platformAdmin: true;
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

  /**
   * Opens a platform session (no tenant) for a platform admin. Joins the unit of work in progress:
   * the caller has entered the user in no tenant (AuthScope.asUser) and checked the flag.
   */
  openPlatform(userId: string): Promise<PlatformSessionTokens> {
    return this.issuePlatform(userId, randomUUID());
  }

  /** Rotates a refresh token: a new pair for the same session and tenant (or for no tenant). */
  async refresh(rawToken: string): Promise<SessionTokens | PlatformSessionTokens> {
    const parsed = parseUserToken(rawToken);
    if (!parsed) throw AuthError.of(AuthErrorCode.InvalidRefreshToken);
    const { userId } = parsed;
    const session = await this.scope.asUser(userId, () => this.sessions.findByHash(tokenHash(rawToken)));
    if (!session) throw AuthError.of(AuthErrorCode.InvalidRefreshToken);
    if (session.rotatedAt) return this.reused(session);
    if (session.revokedAt || session.expiresAt <= new Date()) throw AuthError.of(AuthErrorCode.InvalidRefreshToken);
    const tenantId = session.activeTenantId;
    if (tenantId === null) return this.refreshPlatform(session);

    const rotated = await this.scope.inTenant(tenantId, userId, () =>
      this.db.transaction(async () => {
        const tenant = await this.tenantOfUser(tenantId);
        if (!(await this.sessions.claim(session.id))) return undefined; // a concurrent refresh won
        return this.issue(userId, session.familyId, tenant);
      }),
    );
    // Losing the race is indistinguishable from a replay by whoever else holds the token.
    return rotated ?? this.reused(session);
  }

  /** A platform session's refresh: only while the user is still a platform admin (read afresh). */
  private async refreshPlatform(session: SessionRow): Promise<PlatformSessionTokens> {
    const { userId } = session;
    const rotated = await this.scope.asUser(userId, () =>
      this.db.transaction(async () => {
        if (!(await this.users.findSelf(userId))?.isPlatformAdmin) throw AccessError.platformAdminRequired();
        if (!(await this.sessions.claim(session.id))) return undefined; // a concurrent refresh won
        return this.issuePlatform(userId, session.familyId);
      }),
    );
    return rotated ?? this.reused(session);
  }

  /** Revokes the token's whole family. Unknown or malformed tokens are ignored (RFC 7009). */
  async logout(rawToken: string): Promise<void> {
    const parsed = parseUserToken(rawToken);
    if (!parsed) return;
    const { userId } = parsed;
    const session = await this.scope.asUser(userId, () => this.sessions.findByHash(tokenHash(rawToken)));
    if (!session) return;
    const tenantId = session.activeTenantId;
    if (tenantId === null) {
      // A platform session has no tenant audit log to write to: the application log records it.
      const revoked = await this.scope.asUser(userId, () => this.sessions.revokeFamily(userId, session.familyId));
      if (revoked > 0) this.logger.log({ userId, sessionId: session.familyId }, 'platform session signed out');
      return;
    }
    await this.scope.inTenant(tenantId, userId, () =>
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

  /**
   * Moves the caller's session to the platform console (no tenant), for a platform admin who is in
   * one of their tenants: the family's current token is rotated into a platform session's, as
   * switch-tenant does. The flag is read afresh; anyone else gets 403 platform_admin_required.
   */
  async switchToPlatform(sessionId: string | undefined): Promise<PlatformSessionTokens> {
    const state = this.ctx.current();
    if (!state?.userId || state.apiKeyId || !sessionId) throw AuthError.of(AuthErrorCode.SessionRequired);
    const { userId, tenantId: from } = state;
    const tokens = await this.scope.asUser(userId, () =>
      this.db.transaction(async () => {
        if (!(await this.users.findSelf(userId))?.isPlatformAdmin) throw AccessError.platformAdminRequired();
        const current = await this.sessions.findCurrent(userId, sessionId);
        if (!current || !(await this.sessions.claim(current.id))) throw AuthError.of(AuthErrorCode.InvalidRefreshToken);
        return this.issuePlatform(userId, sessionId);
      }),
    );
    this.logger.log({ userId, sessionId, from }, 'platform admin switched to the platform console');
    return tokens;
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
    const refresh = await this.storeRefreshToken(userId, familyId, tenant.id);
    return {
      tokenType: 'Bearer',
      accessToken: this.issuer.sign(userId, tenant.id, familyId),
      expiresIn: this.issuer.ttlSeconds,
      ...refresh,
      userId,
      tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, role: tenant.role },
    };
  }

  private async issuePlatform(userId: string, familyId: string): Promise<PlatformSessionTokens> {
    const refresh = await this.storeRefreshToken(userId, familyId, null);
    return {
      tokenType: 'Bearer',
      accessToken: this.issuer.signPlatform(userId, familyId),
      expiresIn: this.issuer.ttlSeconds,
      ...refresh,
      userId,
      tenant: null,
      platformAdmin: true,
    };
  }

  /** A new refresh token of the family, stored as its hash; null tenant: a platform session. */
  private async storeRefreshToken(
    userId: string,
    familyId: string,
    activeTenantId: string | null,
  ): Promise<{ refreshToken: string; refreshTokenExpiresAt: string }> {
    const refreshToken = newUserToken(userId);
    const expiresAt = new Date(Date.now() + this.config.env.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    const state = this.ctx.current();
    await this.sessions.create({
      userId,
      familyId,
      activeTenantId,
      tokenHash: tokenHash(refreshToken),
      expiresAt,
      ip: state?.ip,
      userAgent: state?.userAgent,
    });
    return { refreshToken, refreshTokenExpiresAt: expiresAt.toISOString() };
  }

  /** A rotated token came back: revoke its family, record it, answer 401. */
  private async reused(session: SessionRow): Promise<never> {
    const { userId, familyId, activeTenantId } = session;
    await this.scope.asUser(userId, () => this.sessions.revokeFamily(userId, familyId));
    if (activeTenantId === null) {
      this.logger.warn({ userId, sessionId: familyId }, 'a rotated refresh token of a platform session was reused: session revoked');
      throw AuthError.of(AuthErrorCode.RefreshTokenReused);
    }
    await this.scope
      .systemIn(activeTenantId, () =>
        this.audit.record({ action: 'auth.refresh_token_reused', targetType: 'user', targetId: userId, data: { sessionId: familyId } }),
      )
      .catch((error: unknown) => this.logger.warn(`could not record a refresh token reuse: ${String(error)}`));
    throw AuthError.of(AuthErrorCode.RefreshTokenReused);
  }
}
