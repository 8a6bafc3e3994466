import { type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { PinoLogger } from 'nestjs-pino';
import { TenantContext } from '../context/tenant-context.js';
import type { AccessTokenClaims } from './access-token.js';
import { IS_PUBLIC, REQUIRED_PERMISSION } from './decorators.js';
import { PrincipalResolver } from './principal-resolver.js';

/**
 * Global guard: every route is authenticated unless marked @Public(). It verifies the access token,
 * resolves the principal, fills the TenantContext, and checks the route's @RequirePermission.
 */
@Injectable()
export class TenantAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: PrincipalResolver,
    private readonly ctx: TenantContext,
    private readonly log: PinoLogger,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    await super.canActivate(context); // throws 401 on any verification failure
    const request = context.switchToHttp().getRequest<{ user: AccessTokenClaims }>();
    const principal = await this.resolver.resolve(request.user);
    this.ctx.enter({
      tenantId: principal.tenantId,
      userId: principal.userId,
      roles: principal.roles,
      permissions: principal.permissions,
      requestId: this.ctx.requestId ?? 'unknown',
    });

    this.log.assign({ tenantId: principal.tenantId, userId: principal.userId });

    const required = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_PERMISSION, targets);
    if (required && !principal.permissions.includes(required)) {
      throw new ForbiddenException(`missing permission ${required}`);
    }
    return true;
  }
}
