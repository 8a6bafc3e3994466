import { compactUuid, expandUuid } from '../../../platform/crypto/tokens.js';

/**
 * A widget session is a conversation (channel 'widget'). Its public id carries the tenant's id
 * next to the conversation's: `<tenant id, 32 hex>.<conversation id, 32 hex>`. That lets /chat
 * refuse a session used with another tenant's slug by comparing ids, without ever reading the
 * other tenant's data; the conversation id itself is random (gen_random_uuid), so the session id
 * cannot be guessed.
 */
export interface WidgetSessionId {
  tenantId: string;
  conversationId: string;
}

const FORMAT = /^([0-9a-f]{32})\.([0-9a-f]{32})$/;

export function encodeSessionId({ tenantId, conversationId }: WidgetSessionId): string {
  return `${compactUuid(tenantId)}.${compactUuid(conversationId)}`;
}

/** The ids in a session id, or undefined when it is not one. */
export function decodeSessionId(sessionId: string): WidgetSessionId | undefined {
  const match = FORMAT.exec(sessionId);
  if (!match) return undefined;
  const tenantId = expandUuid(match[1]!);
  const conversationId = expandUuid(match[2]!);
  return tenantId && conversationId ? { tenantId, conversationId } : undefined;
}
