import { applyDecorators, type CallHandler, createParamDecorator, type ExecutionContext, Injectable, type NestInterceptor, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { AppConfig } from '../../../platform/config/config.js';
import { parseOrThrow } from '../../../platform/http/validation.js';
import { AuthError, AuthErrorCode } from '../auth.errors.js';
import { refreshSchema } from '../dto/auth.dto.js';

/**
 * The refresh token in an httpOnly cookie, for browsers (docs/adr/0016). JavaScript never reads
 * it; SameSite=Strict keeps other sites' requests from carrying it, and the path keeps it off
 * every route but the auth ones. A refresh or sign-out that relies on the cookie must also carry
 * `X-Requested-With: tenantry`: a cross-site form cannot set a header, and a cross-origin script
 * would need a CORS preflight this API never grants. Non-browser clients keep sending the token
 * in the JSON body, as before.
 */
export const REFRESH_COOKIE = 'tenantry_refresh';
export const REFRESH_COOKIE_PATH = '/api/v1/auth';
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_HEADER_VALUE = 'tenantry';

interface IssuedTokens {
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

const isIssued = (value: unknown): value is IssuedTokens =>
  typeof (value as Partial<IssuedTokens> | null)?.refreshToken === 'string' && typeof (value as Partial<IssuedTokens>).refreshTokenExpiresAt === 'string';

/** Sets (after a route that issued tokens) or clears (after sign-out) the refresh cookie. */
@Injectable()
export class RefreshCookieInterceptor implements NestInterceptor {
  constructor(private readonly config: AppConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const clears = Reflect.getMetadata(CLEARS, context.getHandler()) === true;
    return next.handle().pipe(
      map((result: unknown) => {
        if (clears) void reply.clearCookie(REFRESH_COOKIE, this.options());
        else if (isIssued(result)) void reply.setCookie(REFRESH_COOKIE, result.refreshToken, { ...this.options(), expires: new Date(result.refreshTokenExpiresAt) });
        return result;
      }),
    );
  }

  private options() {
    const secure = this.config.env.AUTH_COOKIE_SECURE ?? this.config.isProduction;
    return { httpOnly: true, sameSite: 'strict' as const, path: REFRESH_COOKIE_PATH, secure };
  }
}

const CLEARS = 'tenantry:clears-refresh-cookie';

/** The route's answer carries a new refresh token: put it in the cookie too. */
export const SetsRefreshCookie = (): MethodDecorator => applyDecorators(UseInterceptors(RefreshCookieInterceptor));

/** The route ends the session: clear the cookie. */
export const ClearsRefreshCookie = (): MethodDecorator =>
  applyDecorators((_target: object, _key: string | symbol, descriptor: PropertyDescriptor) => {
    Reflect.defineMetadata(CLEARS, true, descriptor.value as object);
    return descriptor;
  }, UseInterceptors(RefreshCookieInterceptor));

/**
 * The refresh token of a refresh or sign-out: from the JSON body when given (any client), else
 * from the cookie, which then needs the CSRF header (403 csrf_header_required). Undefined when
 * neither holds one. The body may be absent or `{}` for a cookie-borne call.
 */
export const RefreshTokenInput = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const body = parseOrThrow(refreshSchema, request.body ?? {}, 'request body');
  if (body.refreshToken !== undefined) return body.refreshToken;
  // Undefined where @fastify/cookie is not registered (its type says always present).
  const cookie = (request.cookies as Partial<Record<string, string>> | undefined)?.[REFRESH_COOKIE];
  if (!cookie) return undefined;
  if (request.headers[CSRF_HEADER] !== CSRF_HEADER_VALUE) throw AuthError.of(AuthErrorCode.CsrfHeaderRequired);
  return cookie;
});
