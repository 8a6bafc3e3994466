import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { TenantContext } from '../context/tenant-context.js';
import { AccessError, AccessErrorCode } from './access.errors.js';
import type { AccessTokenClaims } from './access-token.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { EdgeAdmission } from './edge-admission.js';
import { accessOfRoute } from './decorators.js';
import { AccessTokenPrincipals, API_KEY_PREFIX, ApiKeyPrincipals, type Principal } from './principal.js';

/**
 * Global guard: every route is authenticated unless marked @Public(). It verifies the caller (an
 * access token through AccessTokenVerifier, or an API key), resolves the principal from the database,
 * refuses suspended or deleted tenants, fills the TenantContext, and checks the route's
 * @RequirePermission and @PlatformAdminOnly. A platform session (a platform admin signed in to no
 * tenant) passes only on @PlatformAdminOnly and @AllowPlatformSession routes, with no tenant in
 * context; any other route answers 403 tenant_required.
 */
@Injectable()
export class TenantAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenPrincipals,
    private readonly apiKeys: ApiKeyPrincipals,
    private readonly ctx: TenantContext,
    private readonly verifier: AccessTokenVerifier,
    private readonly edge: EdgeAdmission,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = accessOfRoute(this.reflector, context);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AccessTokenClaims }>();
    if (context.getType() === 'http') this.edge.learn(request, access);
    if (access.isPublic) return true;

    const principal = await this.authenticate(request);

    if (principal.tenantId === undefined) {
      // A platform session: a platform admin acting in no tenant. Platform routes only, no tenant in context.
      if (!access.platformAdminOnly && !access.allowPlatformSession) throw AccessError.tenantRequired();
      this.ctx.enterWithoutTenant({ userId: principal.userId, actor: 'platform_admin', isPlatformAdmin: principal.isPlatformAdmin, roles: [], permissions: [] });
      if (access.platformAdminOnly && !principal.isPlatformAdmin) throw AccessError.platformAdminRequired();
      return true;
    }

    if (principal.tenantStatus === 'deleted') {
      throw new AccessError(AccessErrorCode.TenantDeleted, 'This tenant has been deleted');
    }
    if (principal.tenantStatus === 'suspended' && !access.allowSuspendedTenant) {
      throw new AccessError(AccessErrorCode.TenantSuspended, 'This tenant is suspended; only billing and data export remain available');
    }

    this.ctx.enter({
      tenantId: principal.tenantId,
      userId: principal.userId,
      apiKeyId: principal.apiKeyId,
      apiKeyRateLimit: principal.apiKeyRateLimit,
      actor: principal.apiKeyId ? 'api_key' : 'user',
      isPlatformAdmin: principal.isPlatformAdmin,
      epochStamp: principal.epochStamp,
      roles: principal.roles,
      permissions: principal.permissions,
    });

    if (access.platformAdminOnly && !principal.isPlatformAdmin) throw AccessError.platformAdminRequired();
    if (principal.apiKeyId && access.userSessionOnly) throw AccessError.sessionRequired();
    const required = access.permission;
    if (required && !principal.permissions.includes(required as Principal['permissions'][number])) {
      throw AccessError.missingPermission(required);
    }
    return true;
  }

  private authenticate(request: FastifyRequest & { user?: AccessTokenClaims }): Promise<Principal> {
    const apiKey = apiKeyOf(request);
    if (apiKey !== undefined) return this.apiKeys.authenticate(apiKey);
    request.user = this.verifier.verifyBearer(request.headers.authorization); // 401 on any verification failure; @SessionId reads it
    return this.tokens.resolve(request.user, this.edge.stampOf(request)); // the epochs the edge read, if it did
  }
}

/** An API key from `X-API-Key`, or from `Authorization: Bearer tnry_...`. */
function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  const bearer = typeof authorization === 'string' && /^Bearer\s+/i.test(authorization) ? authorization.replace(/^Bearer\s+/i, '') : undefined;
  return bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined;
}
