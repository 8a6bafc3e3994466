import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AccessTokenClaims } from '../../../platform/security/access-token.js';

/** The session family (`sid`) of the request's verified access token; undefined for API keys. */
export const SessionId = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const request = context.switchToHttp().getRequest<{ user?: Partial<AccessTokenClaims> }>();
  return request.user?.sid;
});
