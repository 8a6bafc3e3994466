import type { Attributes } from '@opentelemetry/api';
import { ClsServiceManager } from 'nestjs-cls';

/** The tenant and request of the current context (nestjs-cls store), as span attributes. */
export function contextAttributes(): Attributes {
  const cls = ClsServiceManager.getClsService();
  const state = cls.isActive() ? cls.get<{ tenantId?: string; requestId?: string } | undefined>('ctx') : undefined;
  const attributes: Attributes = {};
  if (state?.tenantId) attributes['tenant.id'] = state.tenantId;
  if (state?.requestId) attributes['request.id'] = state.requestId;
  return attributes;
}
